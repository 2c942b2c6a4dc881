"""The record read in hand-written statements (``clinic.record_reads``): only the patient's own
rows, every related object the pages show already attached, and the orders the pages rely on."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.selectors import patient_record
from tests.factories import PatientFactory
from tests.support.records import clinicians_of, record_fill

pytestmark = pytest.mark.django_db


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
