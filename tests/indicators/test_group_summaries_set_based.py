"""Team and caseload summaries computed set-based (``group_summaries_compute_many``) equal the
Python reference (``group_summary_reference``: ``group_summary_figures`` over each group's rows),
key for key and value for value, every suppression and its reason included.

The tests run on whichever database the suite runs on (SQLite locally, PostgreSQL on CI); the
last one insists on PostgreSQL, where medians and quartiles come from ``percentile_cont``."""

import datetime as dt
import math

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.responses import response_record, team_instrument_offer
from assessments.services import personal_item_create, priorities_set, rating_record
from demo.cohort import DEMO_TEAM_NAMES, demo_cohort_create
from indicators.group_summaries import (
    CASELOAD,
    GROUP_KINDS,
    TEAM,
    group_summaries_compute_many,
    group_summaries_periods_settle,
    group_summaries_rebuild_all,
    group_summary_compute,
    group_summary_reference,
)
from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
from indicators.patient_summaries import summaries_rebuild_range
from indicators.small_numbers import FEWER_THAN_5, NO_EARLIER_QUARTER, PROTECTS_SMALLER
from patients.models import Membership, User
from patients.services import context_event_record, encounter_record
from tests.factories import MembershipFactory, PatientFactory, TeamFactory, UserFactory
from tests.support.services import need_postgresql

pytestmark = pytest.mark.django_db

Q4_2025, Q1, Q2 = dt.date(2025, 11, 10), dt.date(2026, 2, 10), dt.date(2026, 5, 10)


def differences(got, want, path="figures"):
    """Where two stored figures differ: keys, list lengths, values (floats within 1e-9)."""
    if isinstance(want, dict) and isinstance(got, dict):
        if set(got) != set(want):
            yield f"{path}: keys {sorted(set(got) ^ set(want))}"
        for key in set(got) & set(want):
            yield from differences(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            yield f"{path}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            yield from differences(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        if not math.isclose(got, want, rel_tol=0, abs_tol=1e-9):
            yield f"{path}: {got!r} != {want!r}"
    elif got != want or type(got) is not type(want):
        yield f"{path}: {got!r} != {want!r}"


def stored_equal_reference() -> int:
    """Assert every stored team and caseload summary equals the Python reference; return how
    many were checked."""
    checked = 0
    for kind in GROUP_KINDS:
        for summary in kind.model.objects.all():
            owner_id = getattr(summary, kind.owner_field)
            patients, figures = group_summary_reference(
                kind, owner_id=owner_id, period=summary.period
            )
            where = f"{kind.model.__name__} {owner_id} {summary.period}"
            assert summary.patients == patients, where
            assert list(differences(summary.figures, figures)) == [], where
            assert summary.stale is False
            checked += 1
    return checked


def reasons_stored() -> set[str]:
    return {
        reason
        for model in (TeamSummary, CaseloadSummary)
        for figures in model.objects.values_list("figures", flat=True)
        for reason in figures["suppressed_reasons"].values()
    }


def test_on_the_demo_cohort_every_group_equals_the_reference():
    demo_cohort_create(patients=90, seed=5, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_range(lo=0, hi=2**62)

    for kind in GROUP_KINDS:
        group_summaries_compute_many(kind)

    assert (
        TeamSummary.objects.count()
        == len(DEMO_TEAM_NAMES) * PatientSummary.objects.values("period").distinct().count()
    )
    assert stored_equal_reference() > 20
    assert CaseloadSummary.objects.filter(patients__gt=5).exists()
    assert reasons_stored() == {FEWER_THAN_5, PROTECTS_SMALLER, NO_EARLIER_QUARTER}


def clinician_of(team, name):
    user = UserFactory(username=name, role=User.Role.CLINICIAN)
    MembershipFactory(user=user, team=team, role=Membership.Role.CLINICIAN)
    return user


def seen(patient, clinician, day, *, by_patient=False):
    encounter_record(
        patient=patient,
        clinician=clinician,
        occurred_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        mode="phone",
        initiated_by="patient" if by_patient else "service",
        duration_minutes=10,
    )


@pytest.fixture
def varied():
    """Two teams and an empty one, three clinicians, three quarters; own priorities with shared
    personal wordings spelled differently; instruments (one offered, none answered); context
    events; a team of 3 and small parts of larger groups, to hit every suppression reason."""
    big, small, empty = TeamFactory(name="Big"), TeamFactory(name="Small"), TeamFactory(name="None")
    nurse, doctor, dietitian = (
        clinician_of(big, "nurse"),
        clinician_of(big, "doctor"),
        clinician_of(small, "dietitian"),
    )
    team_instrument_offer(team=big, instrument="SEMCD6", schedule="quarterly")
    team_instrument_offer(team=big, instrument="PHQ2", schedule="quarterly")
    spellings = ["Walking the dog", "walking  the dog.", "Walking the Dog!", "Walking the dog"]
    people = []
    for n in range(12):
        person = PatientFactory(teams=[big] if n < 9 else [small, big] if n == 9 else [small])
        people.append(person)
        for element, value in (("H1", n % 11), ("M2", (n * 3) % 11), ("R1", 7)):
            rating_record(
                patient=person, element=element, value=value, rated_on=Q1, rater="patient"
            )
        if n % 4:  # some decline, some hold, some improve into Q2
            rating_record(
                patient=person, element="H1", value=(n * 7) % 11, rated_on=Q2, rater="patient"
            )
        if n < 8:  # own priorities, with personal items of shared wordings
            points = {"H1": 30, "M2": 20 + n, "R1": 10}
            item = personal_item_create(patient=person, label=spellings[n % 4], domain="H")
            points[item.key] = 10 + n
            if n == 2:  # a second item of the same wording: counted once for the patient
                again = personal_item_create(patient=person, label="walking the dog", domain="H")
                points[again.key] = 5
            if n % 3 == 0:
                own = personal_item_create(patient=person, label=f"Choir {n}", domain="R")
                points[own.key] = 5
            priorities_set(patient=person, effective_from=Q1, points=points)
        if n in (1, 5):  # a set in effect from Q2 only
            priorities_set(patient=person, effective_from=Q2, points={"M1": 40, "H2": 60})
        if n < 6:
            response_record(
                patient=person,
                instrument="PHQ2",
                answers={"1": n % 4, "2": 1},
                completed_on=Q1,
                rater="patient",
            )
        if n < 7:
            response_record(
                patient=person,
                instrument="ONS4",
                answers={"1": n, "2": 8, "3": 6, "4": 3},
                completed_on=Q2,
                rater="patient",
            )
        if n in (3, 4, 7, 10):
            context_event_record(
                patient=person,
                kind="admission" if n != 7 else "bereavement",
                occurred_on=Q2,
                recorded_by=nurse,
            )
        seen(person, nurse if n % 2 else doctor, Q1, by_patient=n % 3 == 0)
        if n < 5:
            seen(person, dietitian, Q4_2025)  # on the dietitian's caseload until 2026Q3
        if n > 6:
            seen(person, nurse, Q2, by_patient=True)
    summaries_rebuild_range(lo=0, hi=2**62)
    return {"teams": (big, small, empty), "clinicians": (nurse, doctor, dietitian)}


def test_every_team_and_caseload_of_varied_data_equals_the_reference(varied):
    big, small, _ = varied["teams"]
    nurse = varied["clinicians"][0]

    assert group_summaries_rebuild_all() == 3 * 3 + 3 * 3  # 3 teams, 3 clinicians, 3 quarters

    assert stored_equal_reference() == 18
    assert reasons_stored() == {FEWER_THAN_5, PROTECTS_SMALLER, NO_EARLIER_QUARTER}
    q1 = TeamSummary.objects.get(team=big, period="2026Q1").figures
    assert q1["priorities"]["common_items"] == [
        {"label": "Walking the dog", "domain": "H", "patients": 8}
    ]
    assert q1["priorities"]["other_items"] == 3  # the three choirs
    assert q1["instruments"]["SEMCD6"]["n"] is None  # offered, answered by nobody
    assert q1["instruments"]["PHQ2"]["n"] == 6
    assert TeamSummary.objects.get(team=small, period="2026Q1").figures["patients"] is None
    assert CaseloadSummary.objects.get(clinician=nurse, period="2026Q2").patients == 8


def test_one_group_computed_alone_equals_all_computed_at_once(varied):
    nurse = varied["clinicians"][0]
    group_summaries_rebuild_all()
    everything = {
        (kind.model.__name__, getattr(s, kind.owner_field), s.period): (s.patients, s.figures)
        for kind in GROUP_KINDS
        for s in kind.model.objects.all()
    }
    TeamSummary.objects.all().delete()

    one = group_summary_compute(CASELOAD, owner_id=nurse.pk, period="2026Q2")
    team = group_summary_compute(TEAM, owner_id=varied["teams"][0].pk, period="2026Q1")

    assert (one.patients, one.figures) == everything["CaseloadSummary", nurse.pk, "2026Q2"]
    assert (team.patients, team.figures) == everything["TeamSummary", team.team_id, "2026Q1"]
    assert TeamSummary.objects.count() == 1


def test_the_number_of_statements_does_not_grow_with_the_groups(varied):
    big = varied["teams"][0]
    with CaptureQueriesContext(connection) as one:
        group_summaries_compute_many(TEAM, [(big.pk, "2026Q1")])
    with CaptureQueriesContext(connection) as many:
        group_summaries_compute_many(TEAM)

    assert TeamSummary.objects.count() == 9
    assert len(many.captured_queries) <= len(one.captured_queries) + 2  # the targets looked up


def test_a_rebuild_of_some_quarters_leaves_the_others_alone(varied):
    big = varied["teams"][0]
    group_summaries_rebuild_all()
    before = dict(TeamSummary.objects.values_list("period", "computed_at").filter(team=big))
    gone = TeamSummary.objects.create(team=big, period="2024Q1", patients=1, stale=True)
    never_seen = UserFactory(username="locum", role=User.Role.CLINICIAN)
    kept, dropped = (
        CaseloadSummary.objects.create(clinician=never_seen, period=period, patients=1)
        for period in ("2026Q1", "2026Q2")
    )

    written = group_summaries_rebuild_all(periods=["2026Q2", "2024Q1"])

    assert written == 3 + 3  # three teams and three clinicians, in the one quarter with data
    after = dict(TeamSummary.objects.values_list("period", "computed_at").filter(team=big))
    assert after["2025Q4"] == before["2025Q4"]
    assert after["2026Q1"] == before["2026Q1"]
    assert after["2026Q2"] > before["2026Q2"]
    assert not TeamSummary.objects.filter(pk=gone.pk).exists()  # no patient summaries in 2024Q1
    assert CaseloadSummary.objects.filter(pk=kept.pk).exists()  # a quarter not rebuilt
    assert not CaseloadSummary.objects.filter(pk=dropped.pk).exists()  # sees nobody


@pytest.mark.services
def test_on_postgresql_every_group_equals_the_reference(varied):
    need_postgresql()

    group_summaries_rebuild_all()

    assert stored_equal_reference() == 18


def stored_exactly() -> dict:
    return {
        (model.__name__, owner, period): (patients, figures)
        for model, field in ((TeamSummary, "team_id"), (CaseloadSummary, "clinician_id"))
        for owner, period, patients, figures in model.objects.values_list(
            field, "period", "patients", "figures"
        )
    }


def test_a_rebuild_quarter_by_quarter_stores_exactly_what_one_of_all_quarters_stores():
    # As the nightly rebuild spread over workers does it, to the last digit: shares summed in an
    # order that depends on the plan would differ between the two.
    demo_cohort_create(patients=90, seed=5, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_range(lo=0, hi=2**62)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # another plan, so the rows meet in another order
            cursor.execute("SET LOCAL enable_hashagg = off")
            cursor.execute("SET LOCAL enable_hashjoin = off")
        group_summaries_rebuild_all()
    whole = stored_exactly()

    for period in group_summaries_periods_settle():
        group_summaries_rebuild_all(periods=[period])

    assert stored_exactly() == whole
    assert any(f["priorities"] for _, f in whole.values())
