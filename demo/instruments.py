"""Validated instruments in the demo: what each demo team offers, and a year of answers from
about two patients in three, so the record, *My progress* and the dashboards' *Instruments* page
have something to show. Deterministic from the seed, drawn from a stream of its own so the rest
of the cohort is the same with or without it.

``demo-patient`` has answered everything this quarter except ONS4, so her portal home shows one
questionnaire due; one of ``demo-clinician``'s patients has a recent positive PHQ-2, so the
caseload and record show the safety flag.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from assessments.instruments import score
from assessments.models import InstrumentResponse, TeamInstrument
from patients.models import Patient, Team

from .vocabulary import DEMO_TEAM_NAMES

# What each demo team offers (code, schedule), by its place in DEMO_TEAM_NAMES.
OFFERS = (
    (("ONS4", "quarterly"), ("PHQ2", "quarterly"), ("GAD2", "quarterly")),
    (("SEMCD6", "quarterly"), ("PHQ2", "quarterly"), ("COLLABORATE", "before_appointment")),
    (("SEMCD6", "quarterly"), ("ONS4", "quarterly")),
    (("ONS4", "quarterly"), ("PHQ2", "quarterly"), ("GAD2", "quarterly")),
    (("SEMCD6", "quarterly"), ("ONS4", "quarterly")),
    (("ONS4", "quarterly"), ("COLLABORATE", "before_appointment")),
)
QUARTERS = 4
SHARE_ANSWERING = 0.65


def _answers(code: str, rng: random.Random, mood: float) -> dict[str, int | None]:
    """Plausible answers: ``mood`` (0 low to 1 high) shifts every item the same way."""
    if code == "ONS4":
        good = [max(0, min(10, round(rng.gauss(4 + 5 * mood, 1.5)))) for _ in range(3)]
        return {"1": good[0], "2": good[1], "3": good[2],
                "4": max(0, min(10, round(rng.gauss(7 - 5 * mood, 1.5))))}  # fmt: skip
    if code == "SEMCD6":
        return {str(n): max(1, min(10, round(rng.gauss(3 + 6 * mood, 1.5)))) for n in range(1, 7)}
    if code in ("PHQ2", "GAD2"):
        return {str(n): max(0, min(3, round(rng.gauss(1.3 - 1.8 * mood, 0.6)))) for n in (1, 2)}
    if code == "COLLABORATE":
        return {str(n): max(0, min(9, round(rng.gauss(6 + 3 * mood, 1.5)))) for n in (1, 2, 3)}
    raise ValueError(code)


def _quarter_starts(anchor: date) -> list[date]:
    start = date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1)
    starts = [start]
    for _ in range(QUARTERS - 1):
        previous = starts[-1] - timedelta(days=1)
        starts.append(date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1))
    return starts


@transaction.atomic
def demo_instruments_create(*, seed: int, anchor: date) -> int:
    """Offer instruments to the demo teams and add the cohort's answers; return how many."""
    teams = {t.name: t for t in Team.objects.filter(name__in=DEMO_TEAM_NAMES)}
    offers: dict[int, list[str]] = {}
    for name, team_offers in zip(DEMO_TEAM_NAMES, OFFERS, strict=True):
        team = teams.get(name)
        if team is None:
            continue
        for code, schedule in team_offers:
            TeamInstrument.objects.get_or_create(team=team, instrument=code, schedule=schedule)
            offers.setdefault(team.pk, []).append(code)
    rng = random.Random(f"{seed}-instruments")  # noqa: S311  (demo data, not security)
    starts = _quarter_starts(anchor)
    rows = []
    patients = Patient.objects.order_by("id").prefetch_related("teams").select_related("user")
    flagged = False
    for patient in patients:
        codes = sorted({c for t in patient.teams.all() for c in offers.get(t.pk, [])})
        is_demo = patient.user is not None and patient.user.username == "demo-patient"
        if not codes or (not is_demo and rng.random() > SHARE_ANSWERING):
            continue
        mood = rng.random()
        for back, start in enumerate(starts):
            for code in codes:
                if code == "COLLABORATE":
                    continue  # asked about an appointment, by the clinician or the portal
                if is_demo and back == 0 and code == "ONS4":
                    continue  # left due, so her portal home shows a questionnaire
                day = min(start + timedelta(days=rng.randrange(0, 80)), anchor)
                answers = _answers(code, rng, 0.75 if is_demo else mood)
                if not flagged and not is_demo and back == 0 and code == "PHQ2":
                    answers, flagged = {"1": 2, "2": 2}, True  # a recent positive screen
                rows.append(
                    InstrumentResponse(
                        patient=patient, instrument=code, answers=answers,
                        scores=score(code, answers), completed_on=day, rater="patient",
                    )
                )  # fmt: skip
    InstrumentResponse.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
