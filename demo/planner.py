"""What each demo patient's two years will hold, decided before anything is written.

``Planner`` adds one patient's rows to a chunk's ``Rows``: identity, conditions, the course of
their ratings, life events, personal items, encounters, ratings, priorities, goals, markers and an
upcoming appointment. Every choice comes from the patient's own ``random.Random`` in a fixed order,
and all it reads is the ``Context`` (time window, reference ids, teams and logins) loaded once
beforehand, so a seed gives the same plan every time. It neither queries nor writes the database.

Who a patient is depends on their team (``CASE_MIX``: age, conditions, stage, life events); how
their ratings move depends only on who they are (``COURSE_*``), never on the team, so the
comparison of teams finds the teams' raw figures apart and their case-mix-adjusted figures within
the range chance allows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from demo.rows import Ref, Rows
from demo.vocabulary import (
    AGENDAS,
    CASE_MIX,
    CONDITIONS,
    COURSE_BASE,
    COURSE_BY_AGE,
    COURSE_BY_STAGE,
    COURSE_OWN,
    COURSE_PER_MORE_CONDITION,
    EVENING,
    EVENTS,
    FIRST_NAMES,
    FRAMEWORK,
    GOALS,
    INITIALS,
    ITEMS,
    MARKERS,
    MODE_NAMES,
    MODE_WEIGHTS,
    MODES,
    NOT_RELEVANT,
    NOTED,
    PLANS,
    PRIMARY,
    RATER_CLINICIAN,
    RATER_PATIENT,
    RATER_PROXY,
    STRATEGIES,
    TEAM_KEYS,
    TOPICS,
    WEIGHT_LOSS,
    DemoPatient,
)
from indicators.comparisons import STAGE_BANDS, stage_band_of

if TYPE_CHECKING:
    from patients.models import ConditionCode

PRACTICES = ("gp", "meadowbank")  # general practices; the other teams are specialist services


@dataclass(frozen=True)
class Context:
    """What every patient's plan needs: the time window, reference ids, teams and demo logins."""

    anchor: date
    quarters: tuple[tuple[date, date], ...]
    tz: Any
    elements: dict[str, int]  # framework code -> element id
    markers: dict[str, tuple[int, float, float]]  # key -> marker id, plausible low and high
    conditions: dict[str, ConditionCode]
    teams: dict[str, tuple[int, tuple[int, ...]]]  # key -> team id, clinicians' user ids
    users: dict[str, int]


def quarter_windows(anchor: date) -> tuple[tuple[date, date], ...]:
    """The eight calendar quarters ending with the anchor's, as (first day, last day)."""
    current = anchor.year * 4 + (anchor.month - 1) // 3
    windows = []
    for index in range(current - 7, current + 1):
        year, quarter = divmod(index, 4)
        first = date(year, 3 * quarter + 1, 1)
        following = date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
        # History stops the day before the anchor: the anchor is "today".
        windows.append((first, max(first, min(following, anchor) - timedelta(days=1))))
    return tuple(windows)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


class _Visit(NamedTuple):
    ref: Ref
    day: date
    clinician: int
    mode: str
    at: datetime


class Planner:
    """Adds one patient's rows to the chunk; every choice comes from the patient's own stream.

    A patient with a login (``demo``: demo-patient, demo-patient-nl) takes the same steps with a
    few choices fixed, so that login shows a full history (items, changed priorities, goals, an
    upcoming appointment) in their own words.
    """

    def __init__(
        self, rows: Rows, ctx: Context, rng: random.Random, *, demo: DemoPatient | None
    ) -> None:
        self.rows, self.ctx, self.rng, self.demo = rows, ctx, rng, demo
        self.agendas = demo.agendas if demo else AGENDAS
        self.first, self.last = ctx.quarters[0][0], ctx.quarters[-1][1]

    def plan(self) -> None:
        self._identity()
        self._conditions()
        self._course()
        self._events()
        self._items()
        self._visits()
        self._ratings()
        self._priorities()
        self._goals()
        self._markers()
        self._appointment()

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def _quarter_of(self, day: date) -> int:
        return next(q for q, (_, last) in enumerate(self.ctx.quarters) if day <= last)

    def _visit_in(self, quarter: int) -> _Visit | None:
        first, last = self.ctx.quarters[quarter]
        visits = [visit for visit in self.visits if first <= visit.day <= last]
        return self.rng.choice(visits) if visits else None

    def _identity(self) -> None:
        rng, ctx = self.rng, self.ctx
        self.user: int | None  # demo-patient's login; the others have none
        if self.demo:
            name, self.birth_year, team = self.demo.name, self.demo.birth_year, "gp"
            self.user = ctx.users[self.demo.username]
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(INITIALS)}."
            team = rng.choices(TEAM_KEYS, weights=[CASE_MIX[key].share for key in TEAM_KEYS])[0]
            mix = CASE_MIX[team]
            self.birth_year = round(rng.triangular(mix.born_from, mix.born_to, mix.born_mostly))
            self.user = None
        self.patient = self.rows.add("patients", [name, self.birth_year, self.user], parent=True)
        self.team_keys = [team]
        self.main = ctx.users["demo-clinician"] if self.demo else rng.choice(ctx.teams[team][1])

    def _conditions(self) -> None:
        rng, ctx, team = self.rng, self.ctx, self.team_keys[0]
        mix = CASE_MIX[team]
        keys = ["t2", "htn"] if self.demo else [rng.choices(*PRIMARY[team])[0]]
        if not self.demo and rng.random() < mix.several:  # two or three conditions
            keys += rng.sample(CONDITIONS[keys[0]][2].split(), rng.choice((1, 1, 2)))
        self.keys = keys
        self.groups = {"-", *(CONDITIONS[key][1] for key in keys)}
        practice = team in PRACTICES
        if self.demo or (practice and "diabetes" in self.groups and rng.random() < 0.3):
            self.team_keys.append("diabetes")
        elif not practice and rng.random() < 0.5:  # also seen at the practice the teams serve
            self.team_keys.append("gp")
        for key in self.team_keys:
            self.rows.add("patient_teams", [self.patient, ctx.teams[key][0]])
        self.clinicians = sorted({pk for key in self.team_keys for pk in ctx.teams[key][1]})
        self.topics = [topic for group, topic in TOPICS if group in self.groups]
        high = ctx.anchor.year - 1
        low = min(high, max(self.birth_year + 20, ctx.anchor.year - 25))
        self.conditions, bands = [], []
        for key in keys:
            code, stage = ctx.conditions[key], None
            if code.stage_min is not None and code.stage_max is not None:
                span = int(code.stage_max - code.stage_min)
                place = rng.random() ** mix.stage_skew  # above 1, early stages are the most common
                stage = code.stage_min + min(span, int(place * (span + 1)))
                bands.append(stage_band_of(stage, code.stage_min, code.stage_max))
            onset = date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
            self.conditions.append([self.patient, code.pk, onset, stage])
        # The most advanced stage, banded as the comparison of teams bands it.
        staged = [band for band in bands if band]
        self.stage = max(staged, key=STAGE_BANDS.index) if staged else None

    def _course(self) -> None:
        """Where this person's ratings lie and how they move a quarter: by age, conditions and
        stage (never by team), and a course of their own.

        ``trend`` is its direction, which their goals and markers follow. A demo login starts at
        5.5 and improves.
        """
        rng = self.rng
        if self.demo:
            self.level, self.slope = 5.5, rng.uniform(0.25, 0.55)
        else:
            self.level = rng.uniform(3.5, 7.5)
            age = self.ctx.anchor.year - self.birth_year
            by_age = next(change for youngest, change in COURSE_BY_AGE if age >= youngest)
            self.slope = (
                COURSE_BASE
                + by_age
                + COURSE_PER_MORE_CONDITION * (len(self.keys) - 1)
                + (COURSE_BY_STAGE[self.stage] if self.stage else 0.0)
                + rng.gauss(0, COURSE_OWN)
            )
            # Their course runs through their level midway, so few ratings meet 0 or 10.
            self.level -= self.slope * (len(self.ctx.quarters) - 1) / 2
        self.trend = 1 if self.slope > 0.1 else -1 if self.slope < -0.1 else 0

    def _events(self) -> None:
        rng = self.rng
        if self.demo:
            events = [("admission", self.ctx.quarters[3][0] + timedelta(days=20))]
        elif rng.random() < CASE_MIX[self.team_keys[0]].events:
            weights = [weight for weight, *_ in EVENTS.values()]
            kinds = rng.choices(list(EVENTS), weights, k=rng.choice((1, 1, 2)))
            events = [(kind, self._day(self.first, self.last)) for kind in kinds]
        else:
            events = []
        self.falls = [0.0] * len(self.ctx.quarters)
        for kind, day in events:
            _, fall, keep, note = EVENTS[kind]
            if self.demo and kind == "admission":
                note = self.demo.admitted
            start = self._quarter_of(day)
            for quarter in range(start, len(self.falls)):
                self.falls[quarter] += fall * keep ** (quarter - start)
            if kind == "new_diagnosis":  # the latest condition was diagnosed then
                self.conditions[-1][2] = day
            visible = rng.random() < 0.9
            row = [self.patient, kind, day, note, visible, self.main, self._at(day, NOTED)]
            self.rows.add("context_events", row)
        for condition in self.conditions:
            self.rows.add("conditions", condition)

    def _items(self) -> None:
        rng = self.rng
        if self.demo:
            chosen = list(self.demo.items)
        else:
            chosen = rng.sample(ITEMS, rng.choice((1, 2))) if rng.random() < 0.4 else []
        self.items = [
            self.rows.add("personal_items", [self.patient, domain, "", label, 100 + n], parent=True)
            for n, (domain, label) in enumerate(chosen)
        ]

    def _visits(self) -> None:
        rng, tz = self.rng, self.ctx.tz
        count = 14 if self.demo else rng.randint(8, 16)  # four to eight a year
        days = sorted(self._day(self.first, self.last) for _ in range(count))
        discussed = rng.randrange(count) if self.demo or rng.random() < 0.15 else None
        self.visits: list[_Visit] = []
        for n, day in enumerate(days):
            mode = rng.choices(MODE_NAMES, MODE_WEIGHTS)[0]
            clinician = self.main if rng.random() < 0.75 else rng.choice(self.clinicians)
            at = datetime.combine(day, time(rng.randint(8, 16), 15 * rng.randint(0, 3)), tzinfo=tz)
            initiated_by = "patient" if rng.random() < 0.25 else "service"
            minutes = rng.randint(*MODES[mode][1:])
            strategies = rng.sample(STRATEGIES, rng.randint(1, 3))
            note = f"{rng.choice(self.topics)}. {rng.choice(PLANS)}"
            row = [self.patient, clinician, at, mode, initiated_by, minutes, strategies, note]
            ref = self.rows.add("encounters", [*row, True if n == discussed else None], parent=True)
            self.visits.append(_Visit(ref, day, clinician, mode, at))
            if n == discussed:  # written in the evening two days before
                written = self._at(day - timedelta(days=2), EVENING)
                self._agenda(appointment=None, discussed_in=ref, written=written)

    def _ratings(self) -> None:
        rng, patient, append = self.rng, self.patient, self.rows.tables["ratings"].append
        keys: tuple[str | Ref, ...] = (*FRAMEWORK, *self.items)
        # Each element sits a little above or below the person's level, and each answer varies
        # around it little enough that a quarter's change in the index mostly follows their course.
        offsets = {key: rng.gauss(0, 0.9) for key in keys}
        element = {  # id, or item's Ref
            key: self.ctx.elements.get(key, key) if isinstance(key, str) else key for key in offsets
        }
        slope = self.slope
        current = len(self.ctx.quarters) - 1  # the quarter of the anchor, still under way
        for quarter, (first, last) in enumerate(self.ctx.quarters):
            level = self.level + slope * quarter - self.falls[quarter]
            visit = self._visit_in(quarter) if rng.random() < 0.6 else None
            if visit is None and quarter == current and not self.demo and rng.random() >= 0.3:
                continue  # most have not answered this quarter yet: their next visit will ask
            day, encounter = (visit.day, visit.ref) if visit else (self._day(first, last), None)
            # Saved during the appointment, or else in the portal that evening: only answers
            # given after the patient was last seen show as new on the caseload.
            saved = visit.at if visit else self._at(day, EVENING)
            rater = RATER_PROXY if rng.random() < 0.1 else RATER_PATIENT
            entered_by = visit.clinician if visit and rater == RATER_PROXY else self.user
            codes = rng.sample(FRAMEWORK, rng.randint(10, 13))
            values = {}
            answered: tuple[str | Ref, ...] = (*codes, *self.items)
            for key in answered:
                value = round(level + offsets[key] + rng.gauss(0, 0.6))
                value = values[key] = min(10, max(0, value))
                append([patient, element[key], value, day, rater, entered_by, encounter, saved])
            own = self._visit_in(quarter) if rng.random() < 0.55 else None
            if own is None:
                continue  # the clinician gives their own view in about half the quarters
            for code in rng.sample(codes, rng.randint(3, 5)):
                value = min(10, max(0, values[code] + rng.randint(-2, 2)))
                row = [patient, element[code], value, own.day, RATER_CLINICIAN, own.clinician]
                append([*row, own.ref, own.at])

    def _priorities(self) -> None:
        rng, ctx = self.rng, self.ctx
        if not self.demo and rng.random() >= 0.7:
            return  # no priorities of their own: summaries fall back to equal weights
        count = 3 if self.demo else rng.choice((1, 1, 2, 3))
        pool = [*self.items, *(ctx.elements[code] for code in FRAMEWORK)]
        chosen: list[Any] = []
        for n in range(count):
            effective = self._day(*ctx.quarters[2 * n])
            size = rng.randint(4, 8)
            kept = rng.sample(chosen, len(chosen) // 2) if chosen else list(self.items)
            chosen = kept + rng.sample([e for e in pool if e not in kept], size - len(kept))
            total = 100 if rng.random() < 0.6 else rng.randint(size, 99)
            cuts = [0, *sorted(rng.sample(range(1, total), size - 1)), total]
            row = [self.patient, effective, total, self.user, rng.random() < 0.1]
            priority_set = self.rows.add("priority_sets", row, parent=True)
            for element, low, high in zip(chosen, cuts, cuts[1:], strict=False):
                self.rows.add("priority_points", [priority_set, element, high - low])

    def _goals(self) -> None:
        rng, quarters = self.rng, self.ctx.quarters
        pool = [goal for goal in GOALS if goal[1] in self.groups]
        size = rng.choice((1, 1, 2, 2, 3))
        chosen = list(self.demo.goals) if self.demo else rng.sample(pool, min(len(pool), size))
        for domain, _, description, expected in chosen:
            start = rng.randint(0, 5)
            baseline = self._day(*quarters[start])
            weights = [rng.randint(1, 3), rng.randint(1, 3)]  # importance, difficulty
            row = [self.patient, description, expected, domain, *weights, baseline]
            goal = self.rows.add("goals", [*row, rng.random() < 0.85, self.main], parent=True)
            attainment, quarter = rng.choice((-2, -1, -1, 0)), start + rng.choice((1, 2))
            while quarter < len(quarters):
                visit = self._visit_in(quarter)
                day = visit.day if visit else self._day(*quarters[quarter])
                progress = (quarter - start) * 0.35 * (self.trend + 0.6)
                value = min(2, max(-2, round(attainment + progress + rng.gauss(0, 0.6))))
                by = visit.clinician if visit else self.main
                row = [goal, value, day, visit.ref if visit else None, by]
                self.rows.add("goal_reviews", row)
                quarter += rng.choice((1, 2))

    def _markers(self) -> None:
        rng, ctx = self.rng, self.ctx
        keys = {marker: None for key in self.keys for marker in CONDITIONS[key][3].split()}
        if "hba1c" in keys:
            keys[rng.choice(("bmi", "weight"))] = None
        if not keys:
            return
        seen: list[tuple[date, Ref | None, int | None]] = [
            (v.day, v.ref, v.clinician) for v in self.visits if v.mode == "face_to_face"
        ]
        occasions = rng.sample(seen, min(len(seen), 6))
        while len(occasions) < 4:
            occasions.append((self._day(self.first, self.last), None, None))
        occasions.sort(key=lambda occasion: occasion[0])
        age = ctx.anchor.year - self.birth_year
        losing_weight = "pd" in self.keys and rng.random() < 0.5
        for key in keys:
            marker, lowest, highest = ctx.markers[key]
            _, typical, spread, decimals, rate, *_ = MARKERS[key]
            first = rng.gauss(typical, spread)
            relevant, reason = True, "Agreed together at the review."
            if key == "weight" and losing_weight:
                relevant, reason, rate = False, WEIGHT_LOSS, -0.8
            elif key in NOT_RELEVANT and rng.random() < 0.1:
                relevant, reason = False, NOT_RELEVANT[key]
            low, high = _target(key, first, age)
            row = [self.patient, marker, low, high, relevant, reason, self.main]
            self.rows.add("targets", row)
            direction = 1 if key == "weight" and losing_weight else self.trend
            for day, visit, clinician in occasions:
                if key not in ("sbp", "dbp") and rng.random() < 0.2:
                    continue  # blood pressure every time, the rest most times
                quarters = (day - self.first).days / 91.3
                value = first + rate * direction * quarters + rng.gauss(0, spread * 0.15)
                value = min(highest, max(lowest, round(value, int(decimals))))
                row = [self.patient, marker, _decimal(value), day, visit, clinician]
                self.rows.add("readings", row)

    def _appointment(self) -> None:
        rng, ctx = self.rng, self.ctx
        if not self.demo and rng.random() >= 0.5:
            return
        ahead = 5 if self.demo else rng.randint(1, 28)
        at = time(10, 30) if self.demo else time(rng.randint(9, 16), 20 * rng.randint(0, 2))
        starts = datetime.combine(ctx.anchor + timedelta(days=ahead), at, tzinfo=ctx.tz)
        # Reminders go out three days ahead; those already due have been sent this morning.
        reminded = datetime.combine(ctx.anchor, time(8), tzinfo=ctx.tz) if ahead <= 3 else None
        row = [self.patient, self.main, starts, reminded]
        appointment = self.rows.add("appointments", row, parent=True)
        # Most agendas are written after the reminder; a few people write theirs early. So a few
        # caseload rows have an agenda waiting, not one in five.
        if self.demo or rng.random() < (0.6 if reminded else 0.1):
            written = self._at(ctx.anchor - timedelta(days=1), EVENING)
            self._agenda(appointment=appointment, discussed_in=None, written=written)

    def _agenda(
        self, *, appointment: Ref | None, discussed_in: Ref | None, written: datetime
    ) -> None:
        texts = self.agendas[0] if self.demo and appointment else self.rng.choice(self.agendas)
        self.rows.add("agendas", [self.patient, appointment, *texts, discussed_in, written])

    def _at(self, day: date, hour: time) -> datetime:
        """When something was saved: a fixed hour of the day, so no random draw is spent on it."""
        return datetime.combine(day, hour, tzinfo=self.ctx.tz)


def _target(key: str, first: float, age: int) -> tuple[Decimal | None, Decimal | None]:
    """The range agreed with this person: looser when older; weight relative to where they began."""
    *_, low, high, older_from, older_high = MARKERS[key]
    if key == "weight":
        low, high = round(first) - 6, round(first) - 1
    elif older_from is not None and age >= older_from:
        high = older_high
    return _decimal(low), _decimal(high)
