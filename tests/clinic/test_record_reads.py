"""The record read in hand-written statements (``clinic.record_reads``): only the patient's own
rows, every related object the pages show already attached, and the orders the pages rely on."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Goal, PriorityPoint, PrioritySet
from assessments.services import goal_create, goal_review_record, priorities_set
from clinic.selectors import patient_record
from patients.models import Agenda
from tests.factories import (
    AppointmentFactory,
    ContextEventFactory,
    EncounterFactory,
    PatientFactory,
    RatingFactory,
    ReadingFactory,
    framework_element,
)
from tests.support.records import clinicians_of, record_fill

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def two_patients(team):
    clinicians = clinicians_of(team)
    mine, theirs = PatientFactory(teams=[team]), PatientFactory(teams=[team])
    record_fill(mine, clinicians, 3)
    record_fill(theirs, clinicians, 2)
    return mine, theirs


def _rows(record):
    """Every object of the record that belongs to a patient."""
    return [
        *record.personal_items,
        *record.goals,
        *record.agendas,
        *record.upcoming_appointments,
        *(reading for view in record.markers for reading in view.readings),
        *(view.target for view in record.markers),
        *record.context_events,
        *record.encounters,
        *record.conditions,
    ]


def test_the_record_holds_the_patients_own_rows_and_no_one_elses(two_patients):
    mine, _theirs = two_patients
    record = patient_record(patient=mine)
    rows = _rows(record)
    assert len(rows) == 3 * 8 + 6  # three of each kind the fill wrote, two readings a marker
    assert {row.patient_id for row in rows} == {mine.pk}
    assert record.priorities.patient_id == mine.pk
    assert [e.label for e, _, _ in record.priority_points if e.patient_id] == [
        "Item 0",
        "Item 1",
        "Item 2",
    ]
    assert record.proxy_ratings == 2 * 3  # two quarters, three items
    assert [t.name for t in record.teams] == [t.name for t in mine.teams.all()]
    # their questionnaire answers only: three of theirs, not the other patient's two
    assert [len(series.rows) for series in record.instruments] == [3]


def test_what_the_pages_show_of_each_row_is_read_with_it(two_patients):
    record = patient_record(patient=two_patients[0])
    with CaptureQueriesContext(connection) as queries:
        shown = [
            *(str(e.clinician) for e in record.encounters),
            *(str(a.clinician) for a in record.upcoming_appointments),
            *(bool(a.agenda.going_well) for a in record.upcoming_appointments),
            *(c.code.display for c in record.conditions),
            *(v.marker.name for v in record.markers),
            *(r.marker.unit_label for v in record.markers for r in v.readings),
            *(e.domain.name for e, _, _ in record.priority_points),
            *(i.domain.name for i in record.personal_items),
            *(g.latest_review.goal.description for g in record.goals),
        ]
    assert queries.captured_queries == []
    assert [str(e.clinician).split()[0] for e in record.encounters] == ["Ada", "Ben", "Cai"]
    assert len(shown) == 3 * 7 + 6 + 4  # two readings a marker; H1 beside three items


def test_the_record_keeps_the_orders_the_pages_show(two_patients):
    record = patient_record(patient=two_patients[0], encounters=2)
    assert [e.note for e in record.encounters] == ["Note 0", "Note 1"]  # newest first, two
    starts = [a.starts_at for a in record.upcoming_appointments]
    assert starts == sorted(starts)
    names = [c.code.display for c in record.conditions]
    assert names == sorted(names, key=str.casefold)
    days = [r.taken_on for v in record.markers for r in v.readings[:2]]
    assert days[0] > days[1]  # newest reading first
    assert [g.latest_review.attainment for g in record.goals] == [0, 0, 0]  # the later review
    assert [p for _, p, _ in record.priority_points] == sorted(
        (p for _, p, _ in record.priority_points), reverse=True
    )
    assert patient_record(patient=two_patients[0], encounters=0).encounters == []


def test_the_record_reads_what_is_current_and_the_clinicians_own_view(patient, clinician):
    today = timezone.localdate()
    now = timezone.now()
    past = AppointmentFactory(patient=patient, clinician=clinician, starts_at=now - DAY * 2)
    coming = AppointmentFactory(patient=patient, clinician=clinician, starts_at=now + DAY * 2)
    seen = EncounterFactory(patient=patient, clinician=clinician)
    Agenda.objects.create(patient=patient, going_well="Talked about", discussed_in=seen)
    waiting = Agenda.objects.create(patient=patient, going_well="Still to talk about")
    priorities_set(patient=patient, effective_from=today - DAY * 100, points={"H1": 100})
    current = priorities_set(patient=patient, effective_from=today - DAY * 10, points={"M2": 50})
    ahead = PrioritySet.objects.create(patient=patient, effective_from=today + DAY * 10, total=9)
    PriorityPoint.objects.create(priority_set=ahead, element=framework_element("R1"), points=9)
    for rater, value in (("patient", 9), ("clinician", 3), ("proxy", 7)):
        RatingFactory(patient=patient, element=framework_element("H1"), rater=rater, value=value)

    record = patient_record(patient=patient)

    assert [a.pk for a in record.upcoming_appointments] == [coming.pk]
    assert past.pk not in [a.pk for a in record.upcoming_appointments]
    assert [a.pk for a in record.agendas] == [waiting.pk]
    assert record.priorities.pk == current.pk
    assert [(e.code, points) for e, points, _ in record.priority_points] == [("M2", 50)]
    health = next(d for d in record.domains if d.code == "H")
    assert health.rows[-1]["clinician"] == 30  # the clinician's own 3, not the patient's or proxy's
    assert record.proxy_ratings == 1


def test_the_record_sorts_what_was_written_in_any_order(patient, clinician):
    today, now = timezone.localdate(), timezone.now()
    for days in (2, 5, 1):
        EncounterFactory(patient=patient, clinician=clinician, occurred_at=now - DAY * days)
    for days in (10, 3, 7):
        AppointmentFactory(patient=patient, clinician=clinician, starts_at=now + DAY * days)
    for days in (10, 2, 30):
        ReadingFactory(patient=patient, taken_on=today - DAY * days, value=days)
    for days in (3, 1, 7):
        ContextEventFactory(patient=patient, occurred_on=today - DAY * days)
    older = goal_create(
        patient=patient, description="older", domain="H", baseline_on=today - DAY * 60
    )
    newer = goal_create(
        patient=patient, description="newer", domain="H", baseline_on=today - DAY * 10
    )
    closed = goal_create(patient=patient, description="closed", domain="H", baseline_on=today)
    Goal.objects.filter(pk=closed.pk).update(active=False)
    for days, attainment in ((5, 2), (40, -2)):  # the later review written first
        goal_review_record(goal=older, attainment=attainment, reviewed_on=today - DAY * days)
    first = Agenda.objects.create(patient=patient, going_well="first")
    second = Agenda.objects.create(patient=patient, going_well="second")

    record = patient_record(patient=patient)

    assert [(now - e.occurred_at).days for e in record.encounters] == [1, 2, 5]
    assert [round((a.starts_at - now) / DAY) for a in record.upcoming_appointments] == [3, 7, 10]
    assert [r.value for r in record.markers[0].readings] == [2, 10, 30]
    assert [(today - e.occurred_on).days for e in record.context_events] == [1, 3, 7]
    assert [g.description for g in record.goals] == ["newer", "older", "closed"]
    assert record.goals[1].latest_review.attainment == 2
    assert newer.pk == record.goals[0].pk
    assert [a.pk for a in record.agendas] == [second.pk, first.pk]


def test_the_clinician_read_beside_each_row_is_theirs_and_nothing_more(patient, clinician):
    EncounterFactory(patient=patient, clinician=clinician)
    encounter = patient_record(patient=patient).encounters[0]
    assert (encounter.clinician.pk, encounter.clinician.username) == (clinician.pk, "nurse")
    assert (encounter.clinician.first_name, encounter.clinician.last_name) == (
        clinician.first_name,
        clinician.last_name,
    )
    assert str(encounter.clinician) == clinician.get_full_name()
    assert {"password", "email"} <= encounter.clinician.get_deferred_fields()
