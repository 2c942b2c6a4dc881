"""A deterministic demo cohort: staff, teams and two years of patients' records, bulk-inserted.

Every choice comes from ``random.Random`` seeded from the given seed, so a seed and an anchor date
always give the same cohort. Rows are generated as plain lists, one chunk of patients at a time,
and written by one of two small writers: ``bulk_create`` anywhere, COPY on PostgreSQL. On
PostgreSQL the filled tables' foreign keys and plain indexes are rebuilt after the load instead of
row by row, so the run holds exclusive locks on them until it commits: seed a demo database, not
one serving users.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import Element, Marker, Rater
from patients.models import ConditionCode, Membership, Strategy, Team, User

DEMO_USERNAMES = ("demo-clinician", "demo-patient", "demo-manager", "demo-admin")
CHUNK_SIZE = 1000
_BATCH_SIZE = 2000


def _table(text: str) -> list[list[str]]:
    """The rows of a text table: cells split on "|"; lines starting with "#" are headings."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return [[cell.strip() for cell in line.split("|")] for line in lines if line[:1] != "#"]


def _number(cell: str) -> float | None:
    return None if cell == "-" else float(cell)


# --- Vocabulary: who works where, what people live with, and the words they use ---

_TEAMS = _table("""
# key      | name                        | description
gp         | Riverside General Practice  | Practice nurses and GPs supporting long-term conditions.
diabetes   | Diabetes Specialist Service | Diabetes nurse specialist, dietitian and diabetologist.
parkinsons | Parkinson's Service         | Parkinson's nurse, physiotherapist, OT and neurologist.
""")
DEMO_TEAM_NAMES = tuple(name for _, name, _ in _TEAMS)
_TEAM_KEYS = tuple(key for key, _, _ in _TEAMS)

_USERS = _table("""
# username         | first name | last name | role      | clinician in | manager of
demo-clinician     | Sam        | Okafor    | clinician | gp diabetes  |
demo-patient       | Margaret   | Hughes    | patient   |              |
demo-manager       | Priya      | Shah      | manager   |              | gp
demo-admin         | Alex       | Morgan    | admin     |              |
nurse.adeyemi      | Grace      | Adeyemi   | clinician | gp           |
dr.lewis           | Tom        | Lewis     | clinician | gp           |
dsn.kowalski       | Anna       | Kowalski  | clinician | diabetes     |
dietitian.chen     | Wei        | Chen      | clinician | diabetes     |
dr.rahman          | Imran      | Rahman    | clinician | diabetes     |
manager.diabetes   | Helen      | Brooks    | manager   |              | diabetes
pdns.murphy        | Siobhan    | Murphy    | clinician | parkinsons   |
physio.evans       | Rhys       | Evans     | clinician | parkinsons   |
ot.nowak           | Kasia      | Nowak     | clinician | parkinsons   |
dr.osei            | Kwame      | Osei      | clinician | parkinsons   |
manager.parkinsons | David      | Price     | manager   |              | parkinsons
""")

DEMO_LOGINS = tuple(
    (username, shows)
    for username, shows in _table("""
demo-clinician | clinician in Riverside General Practice and the Diabetes Specialist Service
demo-patient   | Margaret H., a patient of Riverside General Practice with type 2 diabetes
demo-manager   | service manager of Riverside General Practice
demo-admin     | administrator: the admin site at /admin/ (its two-step code: make demo-code)
""")
)

_CONDITIONS = {
    key: rest
    for key, *rest in _table("""
# key     | SNOMED CT | group      | often found with           | markers recorded
t2        | 44054006  | diabetes   | htn ckd chd depression oa copd | hba1c sbp dbp chol
t1        | 46635009  | diabetes   | depression ckd htn         | hba1c sbp dbp chol
pd        | 49049000  | parkinsons | depression oa htn          | sbp dbp weight
copd      | 13645005  | breathing  | hf depression t2 oa        | sbp dbp weight
htn       | 38341003  | heart      | t2 chd ckd depression      | sbp dbp
asthma    | 195967001 | breathing  | depression oa t2           |
hf        | 84114007  | heart      | t2 ckd depression          | sbp dbp weight
oa        | 396275006 | -          | depression htn t2          |
chd       | 53741008  | heart      | htn t2                     | sbp dbp
ckd       | 709044004 | -          | htn t2                     | sbp dbp
depression | 35489007 | -          | oa htn                     |
""")
}
# Why a new patient is with each team, and how often.
_PRIMARY = {
    "gp": (("t2", "copd", "htn", "asthma", "hf", "oa"), (35, 25, 15, 10, 8, 7)),
    "diabetes": (("t2", "t1"), (80, 20)),
    "parkinsons": (("pd",), (1,)),
}

_MARKERS = {
    key: (loinc, *map(_number, rest))
    for key, loinc, *rest in _table("""
# key | LOINC | typical | spread | decimals | change a quarter when improving | low | high
# ... | and, for people of at least a given age, a looser upper limit
hba1c  | 59261-8 | 62  | 10  | 0 | -1.5  | 48   | 58  | 75 | 64
sbp    | 8480-6  | 138 | 14  | 0 | -1.5  | 110  | 140 | 80 | 150
dbp    | 8462-4  | 82  | 8   | 0 | -0.8  | 60   | 90  | -  | -
chol   | 14647-2 | 4.9 | 0.9 | 1 | -0.08 | -    | 5.0 | -  | -
bmi    | 39156-5 | 31  | 5   | 1 | -0.2  | 18.5 | 30  | -  | -
weight | 29463-7 | 84  | 15  | 1 | -0.6  | -    | -   | -  | -
""")
}
_NOT_RELEVANT = dict(
    _table("""
chol   | Decided together to stop the statin; cholesterol is not a goal for now.
bmi    | Weight is not the focus this year; agreed to set it aside.
weight | Weight is not the focus this year; agreed to set it aside.
sbp    | Falls when standing: avoiding low pressure matters more than a number.
""")
)
_WEIGHT_LOSS = "Losing weight unintentionally with Parkinson's: watched, not a target to reach."

_FRAMEWORK = ("H1", "H2", "H3", "H4", "H5", "M1", "M2", "M3", "M4", "R1", "R2", "R3", "R4")
_FIRST_NAMES = [
    name
    for line in _table("""
Margaret | John | Aisha | David | Susan | Mohammed | Patricia | Peter | Linda | Raj | Barbara
Michael | Fatima | Stephen | Jean | Kwame | Elaine | Tomasz | Gwen | Ian | Sunita | Brian
Maureen | Desmond | Chloe | Gareth | Mei | Colin | Bernadette | Yusuf | Sandra | Alan | Olga
Trevor | Nia | Harold | Priti | Kevin | Joan | Liam | Irene | Dev | Shirley | Kofi | Hazel
""")
    for name in line
]
_INITIALS = "ABCDEFGHJKLMNOPRSTWY"

_ITEMS = _table("""
# domain | personal item
H | Being able to play with my grandchildren
H | Walking the dog every morning
H | Singing in the choir
H | Keeping my allotment going
H | Driving to see my sister
H | Cooking Sunday lunch for the family
H | Getting back to work part-time
H | Going to the mosque on Fridays
M | Managing my own medicines without reminders
M | Feeling in charge of my condition, not the other way round
R | Seeing the same nurse each time
R | Being able to message the team
""")
_GOALS = _table("""
# domain | group | goal in the patient's words | what "as expected" looks like
H | -          | Walk to the shops and back without stopping      | Twice a week by spring
H | -          | Get back to gardening for an hour at a time      | An hour, most dry days
H | -          | Sleep through the night more often               | Four good nights a week
H | -          | Go swimming once a week again                    | Every week for a month
M | -          | Take my tablets at the same time every day       | No missed doses in a week
M | -          | Plan the week's meals on Sundays                 | Most weeks
R | -          | Write down my questions before each appointment  | Every appointment
R | -          | Ring the team when I feel low instead of waiting | Within a day or two
M | diabetes   | Check my feet every evening                      | Every evening
M | diabetes   | Test my blood sugar before driving               | Every time
H | diabetes   | Cut down to one sugary drink a day               | One a day most days
M | parkinsons | Keep a diary of my 'off' periods for the nurse   | A week before each visit
H | parkinsons | Do my balance exercises every morning            | Five mornings a week
M | breathing  | Use the spacer with my inhaler every time        | Every time
H | breathing  | Climb the stairs at home without stopping        | By the summer
""")
_TOPICS = _table("""
# group    | what the encounter was about
-          | Talked about how the last few months have gone
-          | Reviewed medicines
-          | Spoke about mood and sleep
-          | Went through the agenda the patient wrote
-          | Discussed what matters most at the moment
-          | Followed up the last goal
diabetes   | Reviewed the home glucose diary
diabetes   | Looked at the latest HbA1c together
diabetes   | Checked feet; no new problems
diabetes   | Talked through carbohydrate portions
parkinsons | Reviewed timing of levodopa doses
parkinsons | Talked about falls at home
parkinsons | Discussed 'off' periods in the afternoon
breathing  | Checked inhaler technique
breathing  | Went through the rescue pack plan
heart      | Talked about breathlessness on the stairs
""")
_PLANS = [
    plan
    for (plan,) in _table("""
Agreed to try the walking group on Tuesdays.
Will review in three months.
Signposted to the local support group.
Agreed one small change to try before next time.
Partner to come to the next appointment.
Leaflet given; questions welcome by message.
Happy with how things are going; no changes.
Will ring in two weeks to see how it went.
""")
]
_EVENTS = {
    kind: (int(weight), float(fall), float(keep), note)
    for kind, weight, fall, keep, note in _table("""
# kind: how often, fall in the rating level, share of the fall left a quarter later, note
progression   | 25 | 1.8  | 0.9 | Condition has moved on a stage; more help needed day to day.
admission     | 25 | 2.5  | 0.5 | Admitted for a few days; home now and recovering.
bereavement   | 12 | 1.5  | 0.6 | Lost a close family member.
new_diagnosis | 12 | 1.0  | 0.7 | New diagnosis; still adjusting to it.
new_job       | 6  | -0.3 | 0.5 | Started a new job.
carer_change  | 8  | 0.8  | 0.6 | Main carer has changed.
other         | 12 | 0.0  | 0.0 | Moved house.
""")
}
_AGENDAS = _table("""
# going well | hard | what I'd like to change | questions
Walking further each week. | Evenings, when I am tired. | Fewer tablets? | Is my blood test due?
Sleeping better. | Remembering the afternoon tablets. | Fewer trips in. | Could I see the dietitian?
Back at choir. | Feeling low since the winter. |  | What does the new result mean?
""")
_MODES = {
    mode: (int(weight), int(shortest), int(longest))
    for mode, weight, shortest, longest in _table("""
# mode       | how often | minutes, shortest | longest
face_to_face | 45        | 15                | 40
phone        | 25        | 10                | 20
video        | 12        | 15                | 30
group        | 6         | 45                | 60
message      | 12        | 5                 | 10
""")
}
_STRATEGIES = tuple(Strategy.values)
# When rows were saved, at fixed hours (visits run 08:00 to 16:45): what the caseload calls "new
# since last seen" compares these with the last encounter, as it does for real records.
_EVENING, _NOTED = time(19), time(12)
_PATIENT, _PROXY, _CLINICIAN = Rater.PATIENT.value, Rater.PROXY.value, Rater.CLINICIAN.value


class DemoCohortExistsError(Exception):
    """The demo logins are already there: a second cohort would clash with the first."""


@dataclass(frozen=True)
class CohortStats:
    """What a run created: the number of patients and the rows inserted per table."""

    patients: int
    rows: dict[str, int]


def demo_cohort_exists() -> bool:
    """Whether demo data is present, judged by the demo clinician's login."""
    return User.objects.filter(username=DEMO_USERNAMES[0]).exists()


@transaction.atomic
def demo_cohort_create(
    *, patients: int, seed: int, anchor: date, chunk_size: int = CHUNK_SIZE
) -> CohortStats:
    """Create the demo staff, three teams and `patients` patients with two years of history."""
    if patients < 1:
        raise ValueError("patients must be 1 or more")
    if demo_cohort_exists():
        raise DemoCohortExistsError("demo data already exists (user demo-clinician is present)")
    rng = _random(seed)
    ctx = _Context.load(anchor=anchor, staff=_staff_create(password=settings.DEMO_PASSWORD))
    postgres = connection.vendor == "postgresql"
    writer = _CopyWriter() if postgres else _OrmWriter()
    if postgres:  # settle pending key checks now (ALTER TABLE needs that), then check per COPY
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
    restore = _set_aside_keys_and_indexes(tuple(_TABLES)) if postgres else []
    counts: Counter[str] = Counter()
    for start in range(0, patients, chunk_size):
        rows = _Rows()
        for number in range(start, min(start + chunk_size, patients)):
            _Planner(rows, ctx, _random(rng.getrandbits(64)), demo=number == 0).plan()
        rows.write(writer, counts)
    if postgres:  # put keys and indexes back; fresh statistics, so the first reads plan well
        tables = ", ".join(apps.get_model(label)._meta.db_table for label, _ in _TABLES.values())
        for sql in [*restore, "SET CONSTRAINTS ALL DEFERRED", f"ANALYZE {tables}"]:
            _execute(sql)
    return CohortStats(patients=patients, rows=dict(counts))


def _random(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible demo data, not security


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


_SET_ASIDE_SQL = """
    SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),
           'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname)
           || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(tables)s::regclass[])
    UNION ALL
    SELECT 'DROP INDEX ' || indexrelid::regclass, pg_get_indexdef(indexrelid)
    FROM pg_index WHERE indrelid = ANY(%(tables)s::regclass[]) AND NOT indisunique
"""


def _set_aside_keys_and_indexes(names: tuple[str, ...]) -> list[str]:
    """Drop the tables' foreign keys and plain indexes; return the SQL that puts them back.

    PostgreSQL's advice for bulk loads: checking each row's keys and growing each index row by
    row costs several times the load itself, while rebuilding them afterwards is one pass each.
    It all happens in the transaction, so a failure leaves the schema as it was; constraint and
    index names and definitions come back exactly. Skipped when the user does not own the tables.
    """
    tables = [apps.get_model(_TABLES[name][0])._meta.db_table for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class "
            "WHERE oid = ANY(%s::regclass[])",
            [tables],
        )
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(_SET_ASIDE_SQL, {"tables": tables})
        statements = cursor.fetchall()
        for drop, _ in statements:
            cursor.execute(drop)
    restore = sorted((create for _, create in statements), key=lambda sql: "FOREIGN" in sql)
    return ["SET LOCAL maintenance_work_mem = '256MB'", *restore]


def _staff_create(*, password: str) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """The users and teams, saved one by one (a handful).

    Returns user ids by username, and per team key the team id and its clinicians' user ids.
    """
    teams = {key: Team.objects.create(name=name, description=text) for key, name, text in _TEAMS}
    users: dict[str, int] = {}
    memberships = []
    for username, first, last, role, clinician_in, manager_of in _USERS:
        admin = role == User.Role.ADMIN
        user = User(username=username, first_name=first, last_name=last, role=role)
        user.email, user.is_staff, user.is_superuser = f"{username}@example.org", admin, admin
        if username in DEMO_USERNAMES:
            user.set_password(password)  # Argon2 is slow: only the demo logins get a password
        else:
            user.set_unusable_password()
        user.save()
        if username == "demo-admin":
            # Setting up a first authenticator needs an e-mailed link or an approval, so the
            # demo administrator's is ready: `make demo-code` prints its code. (bulk_create: no
            # "two-step sign-in was set up" email for a demo login.)
            TOTPDevice.objects.bulk_create(
                [TOTPDevice(user=user, name="Demo authenticator", confirmed=True)]
            )
        users[username] = user.pk
        memberships += [
            Membership(user=user, team=teams[k], role="clinician") for k in clinician_in.split()
        ]
        memberships += [
            Membership(user=user, team=teams[k], role="manager") for k in manager_of.split()
        ]
    Membership.objects.bulk_create(memberships)
    members = {
        key: (
            team.pk,
            tuple(m.user_id for m in memberships if m.team is team and m.role == "clinician"),
        )
        for key, team in teams.items()
    }
    return users, members


@dataclass(frozen=True)
class _Context:
    """What every patient's plan needs: the time window, reference ids, teams and demo logins."""

    anchor: date
    quarters: tuple[tuple[date, date], ...]
    tz: Any
    elements: dict[str, int]  # framework code -> element id
    markers: dict[str, tuple[int, float, float]]  # key -> marker id, plausible low and high
    conditions: dict[str, ConditionCode]
    teams: dict[str, tuple[int, tuple[int, ...]]]  # key -> team id, clinicians' user ids
    users: dict[str, int]

    @classmethod
    def load(cls, *, anchor: date, staff: tuple[dict[str, int], dict[str, Any]]) -> _Context:
        elements = dict(Element.objects.framework().values_list("code", "id"))
        by_loinc = {marker.loinc: marker for marker in Marker.objects.all()}
        by_snomed = {code.snomed_code: code for code in ConditionCode.objects.all()}
        try:
            found = {key: by_loinc[row[0]] for key, row in _MARKERS.items()}
            conditions = {key: by_snomed[row[0]] for key, row in _CONDITIONS.items()}
            elements = {code: elements[code] for code in _FRAMEWORK}
        except KeyError as missing:
            raise RuntimeError(f"reference data {missing} is missing: run migrate") from None
        markers = {
            key: (m.pk, float(m.plausible_low), float(m.plausible_high)) for key, m in found.items()
        }
        users, teams = staff
        tz = timezone.get_default_timezone()
        window = _quarter_windows(anchor)
        return cls(anchor, window, tz, elements, markers, conditions, teams, users)


def _quarter_windows(anchor: date) -> tuple[tuple[date, date], ...]:
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


class _Planner:
    """Adds one patient's rows to the chunk; every choice comes from the patient's own stream.

    The first patient is demo-patient: the same steps with a few choices fixed, so that login
    shows a full history (items, changed priorities, goals, an upcoming appointment).
    """

    def __init__(self, rows: _Rows, ctx: _Context, rng: random.Random, *, demo: bool) -> None:
        self.rows, self.ctx, self.rng, self.demo = rows, ctx, rng, demo
        self.first, self.last = ctx.quarters[0][0], ctx.quarters[-1][1]

    def plan(self) -> None:
        self._identity()
        self._conditions()
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
        if self.demo:
            name, self.birth_year, team = "Margaret H.", 1954, "gp"
            self.user = ctx.users["demo-patient"]
        else:
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_INITIALS)}."
            self.birth_year, self.user = round(rng.triangular(1935, 2000, 1950)), None
            team = rng.choices(_TEAM_KEYS, weights=(45, 30, 25))[0]
        self.patient = self.rows.add("patients", [name, self.birth_year, self.user], parent=True)
        self.team_keys = [team]
        self.main = ctx.users["demo-clinician"] if self.demo else rng.choice(ctx.teams[team][1])
        self.trend = 1 if self.demo else rng.choices((1, 0, -1), weights=(35, 40, 25))[0]
        self.level = 5.5 if self.demo else rng.uniform(3.5, 7.5)

    def _conditions(self) -> None:
        rng, ctx, team = self.rng, self.ctx, self.team_keys[0]
        keys = ["t2", "htn"] if self.demo else [rng.choices(*_PRIMARY[team])[0]]
        if not self.demo and rng.random() < 1 / 3:  # a third live with two or three conditions
            keys += rng.sample(_CONDITIONS[keys[0]][2].split(), rng.choice((1, 1, 2)))
        self.keys = keys
        self.groups = {"-", *(_CONDITIONS[key][1] for key in keys)}
        if self.demo or (team == "gp" and "diabetes" in self.groups and rng.random() < 0.3):
            self.team_keys.append("diabetes")
        elif team != "gp" and rng.random() < 0.5:
            self.team_keys.append("gp")
        for key in self.team_keys:
            self.rows.add("patient_teams", [self.patient, ctx.teams[key][0]])
        self.clinicians = sorted({pk for key in self.team_keys for pk in ctx.teams[key][1]})
        self.topics = [topic for group, topic in _TOPICS if group in self.groups]
        high = ctx.anchor.year - 1
        low = min(high, max(self.birth_year + 20, ctx.anchor.year - 25))
        self.conditions = []
        for key in keys:
            code, stage = ctx.conditions[key], None
            if code.stage_min is not None and code.stage_max is not None:
                span = int(code.stage_max - code.stage_min)  # early stages are the most common
                stage = code.stage_min + min(span, int(rng.random() ** 1.6 * (span + 1)))
            onset = date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
            self.conditions.append([self.patient, code.pk, onset, stage])

    def _events(self) -> None:
        rng = self.rng
        if self.demo:
            events = [("admission", self.ctx.quarters[3][0] + timedelta(days=20))]
        elif rng.random() < 0.3:
            weights = [weight for weight, *_ in _EVENTS.values()]
            kinds = rng.choices(list(_EVENTS), weights, k=rng.choice((1, 1, 2)))
            events = [(kind, self._day(self.first, self.last)) for kind in kinds]
        else:
            events = []
        self.falls = [0.0] * len(self.ctx.quarters)
        for kind, day in events:
            _, fall, keep, note = _EVENTS[kind]
            start = self._quarter_of(day)
            for quarter in range(start, len(self.falls)):
                self.falls[quarter] += fall * keep ** (quarter - start)
            if kind == "new_diagnosis":  # the latest condition was diagnosed then
                self.conditions[-1][2] = day
            visible = rng.random() < 0.9
            row = [self.patient, kind, day, note, visible, self.main, self._at(day, _NOTED)]
            self.rows.add("context_events", row)
        for condition in self.conditions:
            self.rows.add("conditions", condition)

    def _items(self) -> None:
        rng = self.rng
        if self.demo:
            chosen = [_ITEMS[0], _ITEMS[2]]
        else:
            chosen = rng.sample(_ITEMS, rng.choice((1, 2))) if rng.random() < 0.4 else []
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
            mode = rng.choices(_MODE_NAMES, _MODE_WEIGHTS)[0]
            clinician = self.main if rng.random() < 0.75 else rng.choice(self.clinicians)
            at = datetime.combine(day, time(rng.randint(8, 16), 15 * rng.randint(0, 3)), tzinfo=tz)
            initiated_by = "patient" if rng.random() < 0.25 else "service"
            minutes = rng.randint(*_MODES[mode][1:])
            strategies = rng.sample(_STRATEGIES, rng.randint(1, 3))
            note = f"{rng.choice(self.topics)}. {rng.choice(_PLANS)}"
            row = [self.patient, clinician, at, mode, initiated_by, minutes, strategies, note]
            ref = self.rows.add("encounters", [*row, True if n == discussed else None], parent=True)
            self.visits.append(_Visit(ref, day, clinician, mode, at))
            if n == discussed:  # written in the evening two days before
                written = self._at(day - timedelta(days=2), _EVENING)
                self._agenda(appointment=None, discussed_in=ref, written=written)

    def _ratings(self) -> None:
        rng, patient, append = self.rng, self.patient, self.rows.tables["ratings"].append
        offsets = {key: rng.gauss(0, 1.1) for key in (*_FRAMEWORK, *self.items)}
        element = {key: self.ctx.elements.get(key, key) for key in offsets}  # id, or item's Ref
        slope = self.trend * rng.uniform(0.25, 0.55) if self.trend else rng.uniform(-0.08, 0.08)
        current = len(self.ctx.quarters) - 1  # the quarter of the anchor, still under way
        for quarter, (first, last) in enumerate(self.ctx.quarters):
            level = self.level + slope * quarter - self.falls[quarter]
            visit = self._visit_in(quarter) if rng.random() < 0.6 else None
            if visit is None and quarter == current and not self.demo and rng.random() >= 0.3:
                continue  # most have not answered this quarter yet: their next visit will ask
            day, encounter = (visit.day, visit.ref) if visit else (self._day(first, last), None)
            # Saved during the appointment, or else in the portal that evening: only answers
            # given after the patient was last seen show as new on the caseload.
            saved = visit.at if visit else self._at(day, _EVENING)
            rater = _PROXY if rng.random() < 0.1 else _PATIENT
            entered_by = visit.clinician if visit and rater == _PROXY else self.user
            codes = rng.sample(_FRAMEWORK, rng.randint(8, 13))
            values = {}
            for key in (*codes, *self.items):
                value = round(level + offsets[key] + rng.gauss(0, 0.8))
                value = values[key] = min(10, max(0, value))
                append([patient, element[key], value, day, rater, entered_by, encounter, saved])
            own = self._visit_in(quarter) if rng.random() < 0.55 else None
            if own is None:
                continue  # the clinician gives their own view in about half the quarters
            for code in rng.sample(codes, rng.randint(3, 5)):
                value = min(10, max(0, values[code] + rng.randint(-2, 2)))
                row = [patient, element[code], value, own.day, _CLINICIAN, own.clinician, own.ref]
                append([*row, own.at])

    def _priorities(self) -> None:
        rng, ctx = self.rng, self.ctx
        if not self.demo and rng.random() >= 0.7:
            return  # no priorities of their own: summaries fall back to equal weights
        count = 3 if self.demo else rng.choice((1, 1, 2, 3))
        pool = [*self.items, *(ctx.elements[code] for code in _FRAMEWORK)]
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
        pool = [goal for goal in _GOALS if goal[1] in self.groups]
        size = rng.choice((1, 1, 2, 2, 3))
        chosen = [_GOALS[0], _GOALS[8]] if self.demo else rng.sample(pool, min(len(pool), size))
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
        keys = {marker: None for key in self.keys for marker in _CONDITIONS[key][3].split()}
        if "hba1c" in keys:
            keys[rng.choice(("bmi", "weight"))] = None
        if not keys:
            return
        seen = [(v.day, v.ref, v.clinician) for v in self.visits if v.mode == "face_to_face"]
        occasions = rng.sample(seen, min(len(seen), 6))
        while len(occasions) < 4:
            occasions.append((self._day(self.first, self.last), None, None))
        occasions.sort(key=lambda occasion: occasion[0])
        age = ctx.anchor.year - self.birth_year
        losing_weight = "pd" in self.keys and rng.random() < 0.5
        for key in keys:
            marker, lowest, highest = ctx.markers[key]
            _, typical, spread, decimals, rate, *_ = _MARKERS[key]
            first = rng.gauss(typical, spread)
            relevant, reason = True, "Agreed together at the review."
            if key == "weight" and losing_weight:
                relevant, reason, rate = False, _WEIGHT_LOSS, -0.8
            elif key in _NOT_RELEVANT and rng.random() < 0.1:
                relevant, reason = False, _NOT_RELEVANT[key]
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
            written = self._at(ctx.anchor - timedelta(days=1), _EVENING)
            self._agenda(appointment=appointment, discussed_in=None, written=written)

    def _agenda(
        self, *, appointment: Ref | None, discussed_in: Ref | None, written: datetime
    ) -> None:
        texts = _AGENDAS[0] if self.demo and appointment else self.rng.choice(_AGENDAS)
        self.rows.add("agendas", [self.patient, appointment, *texts, discussed_in, written])

    def _at(self, day: date, hour: time) -> datetime:
        """When something was saved: a fixed hour of the day, so no random draw is spent on it."""
        return datetime.combine(day, hour, tzinfo=self.ctx.tz)


_MODE_NAMES = list(_MODES)
_MODE_WEIGHTS = [weight for weight, _, _ in _MODES.values()]


def _target(key: str, first: float, age: int) -> tuple[Decimal | None, Decimal | None]:
    """The range agreed with this person: looser when older; weight relative to where they began."""
    *_, low, high, older_from, older_high = _MARKERS[key]
    if key == "weight":
        low, high = round(first) - 6, round(first) - 1
    elif older_from is not None and age >= older_from:
        high = older_high
    return _decimal(low), _decimal(high)


# --- Rows of one chunk, with references to parent rows not yet inserted, and two writers ---


class Ref:
    """A parent row of the current chunk, replaced by its id once that table is inserted."""

    __slots__ = ("index", "table")

    def __init__(self, table: str, index: int) -> None:
        self.table, self.index = table, index


# The tables a chunk fills, in insertion order: model label and the attnames of its rows' cells.
_TABLES = {
    "patients": ("patients.Patient", "display_name birth_year user_id"),
    "patient_teams": ("patients.Patient_teams", "patient_id team_id"),
    "conditions": ("patients.Condition", "patient_id code_id onset stage"),
    "personal_items": ("assessments.Element", "patient_id domain_id code label order"),
    "encounters": (
        "patients.Encounter",
        "patient_id clinician_id occurred_at mode initiated_by duration_minutes strategies note"
        " agenda_discussed",
    ),
    "ratings": (
        "assessments.Rating",
        "patient_id element_id value rated_on rater entered_by_id encounter_id created_at",
    ),
    "priority_sets": (
        "assessments.PrioritySet",
        "patient_id effective_from total entered_by_id by_proxy",
    ),
    "priority_points": ("assessments.PriorityPoint", "priority_set_id element_id points"),
    "goals": (
        "assessments.Goal",
        "patient_id description expected_outcome domain_id importance difficulty baseline_on"
        " active created_by_id",
    ),
    "goal_reviews": (
        "assessments.GoalReview",
        "goal_id attainment reviewed_on encounter_id reviewed_by_id",
    ),
    "targets": (
        "assessments.PersonalTarget",
        "patient_id marker_id low high relevant reason set_by_id",
    ),
    "readings": (
        "assessments.Reading",
        "patient_id marker_id value taken_on encounter_id recorded_by_id",
    ),
    "context_events": (
        "patients.ContextEvent",
        "patient_id kind occurred_on note visible_to_patient recorded_by_id created_at",
    ),
    "appointments": ("patients.Appointment", "patient_id clinician_id starts_at reminder_sent_at"),
    "agendas": (
        "patients.Agenda",
        "patient_id appointment_id going_well hard change questions discussed_in_id created_at",
    ),
}


class _Rows:
    """The generated rows of one chunk of patients, per table, in insertion order."""

    def __init__(self) -> None:
        self.tables: dict[str, list[list[Any]]] = {name: [] for name in _TABLES}
        self.parents: set[str] = set()

    def add(self, table: str, row: list[Any], *, parent: bool = False) -> Ref:
        """Append a row; a parent row gets a reference that later rows can hold as a key."""
        rows = self.tables[table]
        rows.append(row)
        if not parent:
            return _NO_REF
        self.parents.add(table)
        return Ref(table, len(rows) - 1)

    def write(self, writer: _OrmWriter | _CopyWriter, counts: Counter[str]) -> None:
        """Insert table by table, parents first, swapping references for the new ids."""
        ids: dict[str, list[int]] = {}
        for name, (label, fields) in _TABLES.items():
            rows = self.tables[name]
            if not rows:
                continue
            model, columns = apps.get_model(label), fields.split()
            keys = [n for n, column in enumerate(columns) if column.endswith("_id")]
            for row in rows:
                for n in keys:
                    value = row[n]
                    if type(value) is Ref:
                        row[n] = ids[value.table][value.index]
            ids[name] = writer.insert(model, columns, rows, want_ids=name in self.parents)
            counts[name] += len(rows)


_NO_REF = Ref("", -1)


class _OrmWriter:
    """Any database: model instances through ``bulk_create``, which returns the new ids."""

    def insert(
        self,
        model: type[models.Model],
        columns: list[str],
        rows: list[list[Any]],
        *,
        want_ids: bool,
    ) -> list[int]:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        with _keeping_given_timestamps(model, columns):
            model._default_manager.bulk_create(objs, batch_size=_BATCH_SIZE)
        return [obj.pk for obj in objs] if want_ids else []


@contextmanager
def _keeping_given_timestamps(model: type[models.Model], columns: list[str]):
    """``bulk_create`` stamps ``auto_now_add`` fields with the time of the insert; rows that give
    the time they were saved keep it (the COPY writer writes it as given). The stamp is switched
    off on those fields for this insert only; seeding runs alone, in one transaction."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.attname in columns and getattr(f, "auto_now_add", False)
    ]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


class _CopyWriter:
    """PostgreSQL: COPY in text format; parent rows get ids drawn from their sequence first."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.sequences: dict[str, str] = {}

    def insert(
        self,
        model: type[models.Model],
        columns: list[str],
        rows: list[list[Any]],
        *,
        want_ids: bool,
    ) -> list[int]:
        meta, quote = model._meta, connection.ops.quote_name
        # Columns the rows leave out get the model's default, as bulk_create would give them.
        rest = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
        defaults = [self.now if _is_timestamp(f) else f.get_default() for f in rest]
        suffix = "".join("\t" + _COPY_FORMAT[type(v)](v) for v in defaults) + "\n"
        columns = [*columns, *(f.column for f in rest)]
        ids: list[int] = []
        with connection.cursor() as cursor:
            if want_ids:
                if meta.db_table not in self.sequences:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [meta.db_table])
                    self.sequences[meta.db_table] = cursor.fetchone()[0]
                sql = "SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
                cursor.execute(sql, [self.sequences[meta.db_table], len(rows)])
                ids = [pk for (pk,) in cursor.fetchall()]
                columns.insert(0, "id")
                rows = [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
            text = "".join(
                "\t".join([_COPY_FORMAT[type(v)](v) for v in row]) + suffix for row in rows
            )
            names = ", ".join(map(quote, columns))
            cursor.copy_expert(
                f"COPY {quote(meta.db_table)} ({names}) FROM STDIN", io.StringIO(text)
            )
        return ids


def _is_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _copy_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


_COPY_FORMAT = {
    int: str,
    str: _copy_text,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _: "\\N",
    list: lambda value: _copy_text(json.dumps(value)),
}
