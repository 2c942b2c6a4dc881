"""Large caseloads for tests, fast: patients of one shape, bulk-inserted.

``caseload_add`` gives a team ``count`` more patients, each with a little of every kind of record a
page lists or sums (conditions, a personal item, encounters, ratings from the patient, from a proxy
and from the clinician, priorities, a goal and its review, a target and readings, a life event, an
appointment with an agenda waiting, validated instrument answers), so a page that reads any of them
per patient makes more queries for more patients. The shape repeats every ``SHAPES`` patients in
the order they are added: a caseload of 50 has every variant as often, in proportion, as one of
5,000, and the first patients of any two caseloads have the same shapes. The rows are written the
way ``seed_demo`` writes them (``demo.rows.Rows``, ``bulk_create`` in chunks), in a few seconds per
thousand patients.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.utils import timezone

from assessments.instruments import score
from assessments.models import Element, InstrumentResponse, Marker, TeamInstrument
from demo.rows import Rows
from demo.writers import OrmWriter, rows_write
from patients.models import ConditionCode, Patient, Team, User

SHAPES = 10
CHUNK = 1000
OFFERED = ("PHQ2", "ONS4")  # what the team offers: a screen (the caseload's flag) and a scale


def caseload_add(*, team: Team, clinician: User, count: int, today: dt.date) -> list[int]:
    """Add ``count`` patients of ``team``, seen by ``clinician``; return their ids."""
    for code in OFFERED:
        TeamInstrument.objects.get_or_create(team=team, instrument=code)
    first = Patient.objects.count()
    last_id = Patient.objects.order_by("-id").values_list("id", flat=True).first() or 0
    codes = _codes()
    for start in range(0, count, CHUNK):
        rows = Rows()
        for number in range(start, min(start + CHUNK, count)):
            _patient_rows(rows, codes, team, clinician, number, first + number, today)
        rows_write(rows, OrmWriter(), Counter())
    ids = list(Patient.objects.filter(pk__gt=last_id).order_by("id").values_list("id", flat=True))
    _instruments_add(ids, today)
    return ids


def _patient_rows(
    rows: Rows, codes: dict, team: Team, clinician: User, place: int, number: int, today: dt.date
) -> None:
    """The rows of the caseload's patient at ``place`` (which picks the shape, ``place % SHAPES``)
    named with ``number``."""
    shape = place % SHAPES
    tz = timezone.get_default_timezone()
    elements, markers = codes["elements"], codes["markers"]

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    seen = today - dt.timedelta(days=20 + shape)
    before = today - dt.timedelta(days=120 + shape)
    patient = rows.add("patients", [f"Patient {number:06d}", 1930 + number % 60, None], parent=True)
    rows.add("patient_teams", [patient, team.pk])
    rows.add("conditions", [patient, codes["t2"], dt.date(2015, 1 + shape, 1), None])
    if shape % 3 == 0:
        rows.add("conditions", [patient, codes["pd"], dt.date(2019, 3, 1), Decimal(shape % 4 + 1)])
    item = rows.add("personal_items", [patient, "H", "", "Walking the dog", 100], parent=True)
    visits = []
    for day, mode, initiated in ((before, "face_to_face", "service"), (seen, "phone", "patient")):
        row = [patient, clinician.pk, at(day, 10), mode, initiated, 15, ["goal_setting"], "Seen."]
        visits.append(rows.add("encounters", [*row, None], parent=True))
    for day, encounter in ((before, visits[0]), (seen, visits[1])):
        for key in ("H1", item):
            element = elements[key] if isinstance(key, str) else key
            value = (shape + 3 * (day == seen)) % 11
            rows.add(
                "ratings", [patient, element, value, day, "patient", None, encounter, at(day, 10)]
            )
    rows.add(
        "ratings",
        [patient, elements["H2"], 6, seen, "clinician", clinician.pk, visits[1], at(seen, 11)],
    )
    if shape % 2 == 0:  # answered in the portal since last seen: "something new"
        later = seen + dt.timedelta(days=3)
        rows.add(
            "ratings", [patient, elements["H1"], 7, later, "patient", None, None, at(later, 20)]
        )
    if shape == 5:
        rows.add(
            "ratings",
            [patient, elements["M1"], 4, seen, "proxy", clinician.pk, visits[1], at(seen, 12)],
        )
    if shape % 3 != 2:
        points = rows.add("priority_sets", [patient, before, 100, None, False], parent=True)
        rows.add("priority_points", [points, elements["H1"], 60])
        rows.add("priority_points", [points, item, 40])
    goal_row = [patient, "Walk to the shops", "Twice a week", "H", 2, 2, before, True, clinician.pk]
    goal = rows.add("goals", goal_row, parent=True)
    rows.add("goal_reviews", [goal, shape % 5 - 2, seen, visits[1], clinician.pk])
    rows.add(
        "targets", [patient, markers["59261-8"], Decimal(48), Decimal(58), True, "", clinician.pk]
    )
    for day, encounter in ((before, visits[0]), (seen, visits[1])):
        reading = Decimal(50 + shape)
        rows.add("readings", [patient, markers["59261-8"], reading, day, encounter, clinician.pk])
    if shape % 4 == 1:
        rows.add(
            "context_events", [patient, "bereavement", seen, "", True, clinician.pk, at(seen, 9)]
        )
    if shape % 2 == 1:
        ahead = at(today + dt.timedelta(days=shape + 1), 9 + shape % 7)
        appointment = rows.add("appointments", [patient, clinician.pk, ahead, None], parent=True)
        if shape % 3 == 0:
            agenda = [patient, appointment, "Walking", "Sleeping", "", "", None, at(today, 19)]
            rows.add("agendas", agenda)


def _instruments_add(ids: list[int], today: dt.date) -> None:
    """PHQ-2 for every other patient (every fifth positive and recent), ONS4 for a third."""
    answers = {
        "PHQ2": ({"1": 2, "2": 2}, {"1": 0, "2": 1}),
        "ONS4": ({"1": 7, "2": 6, "3": 8, "4": 3},) * 2,
    }
    responses = []
    for n, patient_id in enumerate(ids):
        for code, every in (("PHQ2", 2), ("ONS4", 3)):
            if n % every:
                continue
            given = answers[code][0 if n % 5 == 0 else 1]
            responses.append(
                InstrumentResponse(
                    patient_id=patient_id,
                    instrument=code,
                    answers=given,
                    scores=score(code, given),
                    completed_on=today - dt.timedelta(days=n % 30),
                    rater="patient",
                )
            )
    InstrumentResponse.objects.bulk_create(responses, batch_size=2000)


def _codes() -> dict:
    """The reference data's ids the rows point at (from the migrations)."""
    return {
        "elements": dict(Element.objects.framework().values_list("code", "id")),
        "markers": dict(Marker.objects.values_list("loinc", "id")),
        "t2": ConditionCode.objects.get(snomed_code="44054006").pk,
        "pd": ConditionCode.objects.get(snomed_code="49049000").pk,
    }
