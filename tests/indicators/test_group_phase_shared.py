"""The rebuild's group phase computes a quarter's team and caseload summaries together
(``group_sql.group_aggregates_of_kinds``): what the two kinds share is worked out once. Each
group must still store exactly what it stores computed on its own kind, and equal the Python
reference (``group_summary_reference``).

Runs on whichever database the suite runs on (SQLite locally, PostgreSQL on CI)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.responses import response_record, team_instrument_offer
from demo.cohort import demo_cohort_create
from indicators.group_summaries import (
    CASELOAD,
    GROUP_KINDS,
    TEAM,
    _owners_all,
    _periods_present,
    group_summaries_compute_many,
    group_summaries_periods_settle,
    group_summaries_rebuild_all,
)
from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
from indicators.patient_summaries import summaries_rebuild_range
from patients.models import Encounter, Team
from patients.services import encounter_record
from tests.factories import PatientFactory, TeamFactory, UserFactory
from tests.indicators.test_group_summaries_set_based import stored_equal_reference

pytestmark = pytest.mark.django_db


def stored_exactly() -> dict:
    return {
        (model.__name__, owner, period): (patients, figures)
        for model, field in ((TeamSummary, "team_id"), (CaseloadSummary, "clinician_id"))
        for owner, period, patients, figures in model.objects.values_list(
            field, "period", "patients", "figures"
        )
    }


@pytest.fixture
def cohort():
    demo_cohort_create(patients=90, seed=5, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_range(lo=0, hi=2**62)


def test_both_kinds_together_store_exactly_what_each_kind_alone_stores(cohort):
    for kind in GROUP_KINDS:  # each kind on its own, as a refresh computes them
        group_summaries_compute_many(kind)
    alone = stored_exactly()

    for period in group_summaries_periods_settle():  # as the nightly rebuild, quarter by quarter
        group_summaries_rebuild_all(periods=[period])

    assert stored_exactly() == alone  # to the last digit
    assert stored_equal_reference() == len(alone)
    assert any(f["priorities"] for _, f in alone.values())


def test_a_quarter_of_both_kinds_takes_one_set_of_statements(cohort):
    period = sorted(_periods_present())[-2]
    with CaptureQueriesContext(connection) as rebuild:
        group_summaries_rebuild_all(periods=[period])

    made = [
        q["sql"] for q in rebuild.captured_queries if "CREATE TEMP TABLE group_members" in q["sql"]
    ]
    assert len(made) == 1  # the members of every team and caseload, with their sets, at once
    assert "'team'" in made[0]
    assert "'caseload'" in made[0]


def test_a_caseload_takes_no_instrument_offered_by_a_team_of_the_same_id():
    # Team and clinician ids are counted apart: a caseload must not read a team's offer.
    team = TeamFactory(pk=9001, name="Offers")
    clinician = UserFactory(pk=9001, username="same-id")
    team_instrument_offer(team=team, instrument="SEMCD6", schedule="quarterly")
    day = dt.date(2026, 2, 10)
    for n in range(6):
        patient = PatientFactory(teams=[team])
        response_record(
            patient=patient,
            instrument="PHQ2",
            answers={"1": n % 4, "2": 1},
            completed_on=day,
            rater="patient",
        )
        encounter_record(
            patient=patient,
            clinician=clinician,
            occurred_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
            mode="phone",
            initiated_by="service",
            duration_minutes=10,
        )
    summaries_rebuild_range(lo=0, hi=2**62)

    group_summaries_rebuild_all()

    assert "SEMCD6" in TeamSummary.objects.get(team=team, period="2026Q1").figures["instruments"]
    caseload = CaseloadSummary.objects.get(clinician=clinician, period="2026Q1").figures
    assert "SEMCD6" not in caseload["instruments"]
    assert "PHQ2" in caseload["instruments"]
    assert stored_equal_reference() == TeamSummary.objects.count() + CaseloadSummary.objects.count()


def test_owners_and_quarters_found_along_the_index_are_those_stored(cohort):
    clinicians = sorted(set(Encounter.objects.values_list("clinician_id", flat=True)))
    assert _owners_all(CASELOAD) == clinicians
    assert _owners_all(TEAM) == sorted(Team.objects.values_list("pk", flat=True))
    every = _periods_present()
    assert every == set(PatientSummary.objects.values_list("period", flat=True))
    assert len(every) > 4
    assert _periods_present({"2024Q1", max(every)}) == {max(every)}
    assert _periods_present(set()) == set()
