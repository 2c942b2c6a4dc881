"""On PostgreSQL the full rebuild computes and stores summaries in SQL (``indicators.summary_sql``):
it stores exactly what the Python path (``_refresh_range``) stores, field by field, and keeps the
summary states the same way."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import GoalReview, Rating, Reading
from assessments.responses import response_record
from assessments.services import personal_item_create, priorities_set
from indicators.models import PatientSummary, SummaryState
from indicators.patient_summaries import (
    FIGURE_FIELDS,
    _refresh_range,
    summaries_rebuild_range,
)
from indicators.summary_sql import patient_summaries_store
from patients.models import ContextEvent, Encounter, Patient
from tests.factories import (
    ContextEventFactory,
    EncounterFactory,
    GoalFactory,
    PatientFactory,
    PersonalTargetFactory,
    RatingFactory,
    ReadingFactory,
    UserFactory,
    framework_element,
    marker,
)
from tests.support.services import need_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db]

COMPARED = [field for field in FIGURE_FIELDS if field != "computed_at"]
Q4_25, Q1, Q2, Q3 = (
    dt.date(2025, 11, 5),
    dt.date(2026, 2, 10),
    dt.date(2026, 5, 12),
    dt.date(2026, 8, 3),
)
HBA1C, SBP, BMI = "59261-8", "8480-6", "39156-5"


@pytest.fixture(autouse=True)
def _postgresql(db):
    need_postgresql()


def rate(patient, element, value, on, rater="patient"):
    key = element if isinstance(element, str) else None
    return RatingFactory(
        patient=patient,
        element=framework_element(key) if key else element,
        value=value,
        rated_on=on,
        rater=rater,
    )


def review(goal, attainment, on):
    return GoalReview.objects.create(goal=goal, attainment=attainment, reviewed_on=on)


def cohort_build() -> dict:
    """Patients covering every figure; returns them by what they stand for."""
    clinician = UserFactory()

    # Own priorities, changed mid-quarter (the set in effect at the quarter's end counts), with a
    # personal item; ratings by patient, proxy and clinician; ratings of unweighted elements.
    own = PatientFactory()
    item = personal_item_create(patient=own, label="Singing in the choir", domain="M")
    priorities_set(patient=own, effective_from=Q4_25, points={"H1": 50, "M2": 30, "R1": 20})
    priorities_set(
        patient=own,
        effective_from=Q1 + dt.timedelta(days=20),
        points={item.key: 40, "H2": 25, "H3": 20, "R2": 15},
    )
    priorities_set(
        patient=own, effective_from=Q3 - dt.timedelta(days=30), points={"H2": 60, "R2": 40}
    )
    for on, values in [
        (Q4_25, {"H1": 8, "M2": 2, "R1": 5}),
        (Q1, {"H2": 3, "H3": 4, "R2": 9, "M4": 7}),
        (Q2, {"H2": 7, "H3": 9, "R2": 10}),
        (Q3, {"H2": 2, "R2": 1}),
    ]:
        for code, value in values.items():
            rate(own, code, value, on)
    rate(own, item, 6, Q1, rater="proxy")
    rate(own, item, 9, Q1 + dt.timedelta(days=3))  # later in the quarter: this one counts
    rate(own, "H2", 5, Q1, rater="proxy")  # same day as the patient's 3, saved later: wins
    rate(own, "H2", 1, Q1, rater="clinician")
    rate(own, "R2", 4, Q1, rater="clinician")
    rate(own, "M4", 2, Q1, rater="clinician")  # an element without points still has a gap
    rate(own, "H3", 7, Q2, rater="clinician")
    rate(own, "H3", 8, Q2 + dt.timedelta(days=1), rater="clinician")

    # Equal weights (no priorities), with goals, markers, life events, encounters, instruments.
    default = PatientFactory()
    # Indices 70, 45, 50, 90: declined, stable, improved.
    for on, h1, m1 in [(Q4_25, 9, 5), (Q1, 5, 4), (Q2, 5, 5), (Q3, 10, 8)]:
        rate(default, "H1", h1, on)
        rate(default, "M1", m1, on)
    rate(default, "R4", 2, Q2, rater="clinician")  # only the clinician rated it
    walk = GoalFactory(patient=default, importance=1, difficulty=1, baseline_on=Q4_25)
    swim = GoalFactory(patient=default, importance=3, difficulty=2, baseline_on=Q4_25)
    review(walk, -1, Q1)
    review(walk, 2, Q1 + dt.timedelta(days=5))
    review(swim, -2, Q1)
    review(swim, 1, Q2)
    review(walk, 0, Q3)
    PersonalTargetFactory(patient=default, marker=marker(HBA1C), low=40, high=58)
    PersonalTargetFactory(patient=default, marker=marker(SBP), low=None, high=Decimal("140"))
    PersonalTargetFactory(patient=default, marker=marker(BMI), low=20, high=25, relevant=False)
    ReadingFactory(patient=default, marker=marker(HBA1C), value=Decimal("61"), taken_on=Q1)
    ReadingFactory(
        patient=default, marker=marker(HBA1C), value=Decimal("58"), taken_on=Q1 + dt.timedelta(1)
    )  # the latest in Q1, on the bound: in target
    ReadingFactory(patient=default, marker=marker(SBP), value=Decimal("141.5"), taken_on=Q1)
    ReadingFactory(patient=default, marker=marker(BMI), value=Decimal("31"), taken_on=Q1)
    ReadingFactory(patient=default, marker=marker(SBP), value=Decimal("120"), taken_on=Q2)
    ContextEventFactory(patient=default, kind=ContextEvent.Kind.ADMISSION, occurred_on=Q1)
    ContextEventFactory(
        patient=default,
        kind=ContextEvent.Kind.BEREAVEMENT,
        occurred_on=Q1 - dt.timedelta(days=20),
        visible_to_patient=False,
    )
    ContextEventFactory(patient=default, kind=ContextEvent.Kind.NEW_JOB, occurred_on=Q2)
    local = timezone.get_current_timezone()
    for when, by in [
        (dt.datetime(2026, 2, 11, 10, 0, tzinfo=local), Encounter.Initiator.PATIENT),
        (dt.datetime(2026, 2, 20, 9, 0, tzinfo=local), Encounter.Initiator.SERVICE),
        # 00:30 on 1 April in London is still 31 March in UTC: the local quarter counts.
        (dt.datetime(2026, 4, 1, 0, 30, tzinfo=local), Encounter.Initiator.PATIENT),
    ]:
        EncounterFactory(patient=default, clinician=clinician, occurred_at=when, initiated_by=by)
    response_record(
        patient=default, instrument="PHQ2", answers={"1": 2, "2": 2}, completed_on=Q1,
        rater="patient",
    )  # fmt: skip
    response_record(
        patient=default, instrument="PHQ2", answers={"1": 0, "2": 1}, completed_on=Q1,
        rater="patient",
    )  # fmt: skip
    response_record(
        patient=default, instrument="ONS4", answers={"1": 7, "2": 8, "3": 6, "4": 3},
        completed_on=Q2, rater="patient",
    )  # fmt: skip

    # Quarters with records but no rating: a summary without an index.
    unrated = PatientFactory()
    EncounterFactory(patient=unrated, clinician=clinician, occurred_at=timezone.now())
    ReadingFactory(patient=unrated, marker=marker(HBA1C), value=Decimal("50"), taken_on=Q2)
    PersonalTargetFactory(patient=unrated, marker=marker(HBA1C), low=None, high=Decimal("48"))

    # Nothing recorded at all: no summary, but a state.
    empty = PatientFactory()

    # A quarter whose records are deleted later.
    fading = PatientFactory()
    rate(fading, "H1", 3, Q4_25)
    rate(fading, "H1", 7, Q1)
    ContextEventFactory(patient=fading, kind=ContextEvent.Kind.OTHER, occurred_on=Q2)
    return {
        "own": own,
        "default": default,
        "unrated": unrated,
        "empty": empty,
        "fading": fading,
    }


def summaries_stored() -> dict:
    return {
        (row["patient_id"], row["period"]): row
        for row in PatientSummary.objects.values("patient_id", "period", *COMPARED)
    }


def states_stored() -> dict:
    return {
        pid: (dirty, up_to)
        for pid, dirty, up_to in SummaryState.objects.values_list(
            "patient_id", "dirty", "computed_up_to"
        )
    }


def assert_same_summaries(python: dict, in_sql: dict) -> None:
    assert python.keys() == in_sql.keys()
    for key, row in python.items():
        for field in COMPARED:
            expected, got = row[field], in_sql[key][field]
            if isinstance(expected, float):
                assert got == pytest.approx(expected, abs=1e-9, rel=0), (key, field)
            else:
                assert got == expected, (key, field)


def ids_range(people: dict) -> tuple[int, int]:
    ids = [p.pk for p in people.values()]
    return min(ids), max(ids)


def states_restore(states: dict) -> None:
    SummaryState.objects.all().delete()
    SummaryState.objects.bulk_create(
        SummaryState(patient_id=pid, dirty=dirty, computed_up_to=up_to)
        for pid, (dirty, up_to) in states.items()
    )


def test_the_sql_rebuild_stores_what_the_python_path_stores_field_by_field():
    people = cohort_build()
    lo, hi = ids_range(people)
    states = states_stored()

    written_python = len(_refresh_range(lo, hi, mark_groups=False)[0])
    python, python_states = summaries_stored(), states_stored()
    PatientSummary.objects.all().delete()
    states_restore(states)
    written_sql = summaries_rebuild_range(lo=lo, hi=hi)
    in_sql = summaries_stored()

    assert_same_summaries(python, in_sql)
    assert written_sql == written_python == 5
    assert states_stored() == python_states
    assert people["empty"].pk in python_states

    # The data reached every figure, so the comparison above compared something.
    rows = list(in_sql.values())
    assert {row["weights_source"] for row in rows} == {"patient", "default"}
    assert {row["direction"] for row in rows} == {"improved", "declined", "stable", ""}
    assert any(row["index"] is None for row in rows)
    assert any(row["perspective_gap"] is not None for row in rows)
    assert any(row["goal_attainment"] not in (None, 50.0) for row in rows)
    assert any(0 < row["markers_in_target"] < row["markers_with_reading"] for row in rows)
    assert any(row["markers_relevant"] == 2 for row in rows)
    assert any(len(row["context_events"]) == 2 for row in rows)
    assert any(len(row["instruments"]) == 1 for row in rows)
    assert any(0 < row["patient_initiated"] < row["encounters"] for row in rows)
    assert any(0 < row["coverage"] < 1 for row in rows)
    default_q2 = in_sql[people["default"].pk, "2026Q2"]
    assert (default_q2["encounters"], default_q2["patient_initiated"]) == (1, 1)
    assert set(default_q2["instruments"]) == {"ONS4"}
    assert in_sql[people["default"].pk, "2026Q1"]["context_events"] == [
        {"kind": "bereavement", "occurred_on": "2026-01-21", "visible_to_patient": False},
        {"kind": "admission", "occurred_on": "2026-02-10", "visible_to_patient": True},
    ]
    stamps = set(PatientSummary.objects.values_list("computed_at", flat=True))
    assert len(stamps) == 1
    assert None not in stamps


def test_the_sql_rebuild_and_the_refresh_store_a_change_of_exactly_ten_alike():
    # Indices 40/3 and 70/3 in one direction, and back: 9.999999999999998 in floating point.
    up, down = PatientFactory(), PatientFactory()
    for patient, quarters in [(up, [(0, 0, 4), (1, 1, 5)]), (down, [(1, 1, 5), (0, 0, 4)])]:
        for on, values in zip([Q1, Q2], quarters, strict=True):
            for code, value in zip(["H1", "H2", "H3"], values, strict=True):
                rate(patient, code, value, on, rater="proxy")
    lo, hi = min(up.pk, down.pk), max(up.pk, down.pk)
    states = states_stored()

    _refresh_range(lo, hi, mark_groups=False)
    python = summaries_stored()
    PatientSummary.objects.all().delete()
    states_restore(states)
    summaries_rebuild_range(lo=lo, hi=hi)
    in_sql = summaries_stored()

    for stored in (python, in_sql):
        assert (stored[up.pk, "2026Q2"]["change"], stored[up.pk, "2026Q2"]["direction"]) == (
            10.0,
            "improved",
        )
        assert (
            stored[down.pk, "2026Q2"]["change"],
            stored[down.pk, "2026Q2"]["direction"],
        ) == (-10.0, "declined")
    assert_same_summaries(python, in_sql)


def test_the_sql_rebuild_replaces_what_is_stored_and_deletes_quarters_left_without_data():
    people = cohort_build()
    lo, hi = ids_range(people)
    fading, default = people["fading"], people["default"]
    summaries_rebuild_range(lo=lo, hi=hi)
    assert {period for (pid, period) in summaries_stored() if pid == fading.pk} == {
        "2025Q4",
        "2026Q1",
        "2026Q2",
    }

    Rating.objects.filter(patient=fading, rated_on=Q4_25).delete()
    ContextEvent.objects.filter(patient=fading).delete()
    Rating.objects.filter(patient=default, rated_on=Q1).update(value=10)
    Reading.objects.filter(patient=default, taken_on=Q2).delete()
    summaries_rebuild_range(lo=lo, hi=hi)
    in_sql = summaries_stored()
    _refresh_range(lo, hi, mark_groups=False)
    python = summaries_stored()

    assert_same_summaries(python, in_sql)
    assert {period for (pid, period) in in_sql if pid == fading.pk} == {"2026Q1"}
    assert in_sql[default.pk, "2026Q1"]["index"] == 100.0


def test_the_sql_rebuild_writes_only_patients_not_computed_past_what_they_noted():
    people = cohort_build()
    lo, hi = ids_range(people)
    own, default, unrated, empty = (people[k] for k in ("own", "default", "unrated", "empty"))
    SummaryState.objects.filter(patient=empty).delete()
    SummaryState.objects.update_or_create(patient=own, defaults={"dirty": 7, "computed_up_to": 2})
    SummaryState.objects.update_or_create(
        patient=default, defaults={"dirty": 3, "computed_up_to": 3}
    )
    # Computed past its dirty count by a newer computation: left as it is.
    SummaryState.objects.update_or_create(
        patient=unrated, defaults={"dirty": 1, "computed_up_to": 4}
    )
    PatientSummary.objects.create(patient=unrated, period="2026Q2", index=12.5)
    states = states_stored()

    written_python = _refresh_range(lo, hi, mark_groups=False)[0]
    python, python_states = summaries_stored(), states_stored()
    PatientSummary.objects.exclude(patient=unrated).delete()
    states_restore(states)
    written_sql = summaries_rebuild_range(lo=lo, hi=hi)

    assert written_sql == len(written_python) == 4
    assert unrated.pk not in written_python
    assert_same_summaries(python, summaries_stored())
    assert states_stored() == python_states
    assert python_states[own.pk] == (7, 7)
    assert python_states[empty.pk] == (0, 0)
    assert python_states[unrated.pk] == (1, 4)
    assert PatientSummary.objects.get(patient=unrated, period="2026Q2").index == 12.5


def test_the_sql_rebuild_of_the_demo_cohort_matches_the_python_path():
    from demo.cohort import demo_cohort_create

    demo_cohort_create(patients=12, seed=5, anchor=dt.date(2026, 11, 1))
    ids = Patient.objects.values_list("pk", flat=True)
    lo, hi = min(ids), max(ids)
    states = states_stored()

    _refresh_range(lo, hi, mark_groups=False)
    python = summaries_stored()
    PatientSummary.objects.all().delete()
    states_restore(states)
    summaries_rebuild_range(lo=lo, hi=hi)

    assert len(python) > 50
    assert_same_summaries(python, summaries_stored())


def test_the_sql_rebuild_leaves_the_callers_planner_settings_as_they_were():
    from django.db import connection

    people = cohort_build()
    lo, hi = ids_range(people)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '5MB'")
        summaries_rebuild_range(lo=lo, hi=hi)
        cursor.execute("SELECT current_setting('work_mem'), current_setting('enable_mergejoin')")
        assert cursor.fetchone() == ("5MB", "on")
    assert PatientSummary.objects.filter(patient=people["own"]).count() == 4


def test_the_sql_rebuild_rewrites_only_the_quarters_whose_figures_changed():
    people = cohort_build()
    lo, hi = ids_range(people)
    default = people["default"]
    first = timezone.now() - dt.timedelta(days=1)
    patient_summaries_store(lo=lo, hi=hi, now=first)
    Rating.objects.filter(patient=default, rated_on=Q1).update(value=10)

    later = timezone.now()
    patient_summaries_store(lo=lo, hi=hi, now=later)

    stamps = {
        (pid, period): at
        for pid, period, at in PatientSummary.objects.values_list(
            "patient_id", "period", "computed_at"
        )
    }
    changed = {key for key, at in stamps.items() if at == later}
    # The quarter rated again, and the next one, whose change from it moved; nothing else.
    assert changed == {(default.pk, "2026Q1"), (default.pk, "2026Q2")}
    assert all(at == first for key, at in stamps.items() if key not in changed)
