"""The record page, and every page built from the record, reads a patient's record in a fixed
number of queries, however much the patient has: upcoming appointments (each with its agenda or
not), encounters, goals, markers, conditions, screens and ratings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PatientFactory
from tests.support.records import appointment_with_agenda, clinicians_of, record_fill

pytestmark = pytest.mark.django_db


def _record_queries(client, patient) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/clinic/patients/{patient.pk}/")
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_more_appointments_with_agendas_do_not_add_queries(client, clinician, patient):
    client.force_login(clinician)
    appointment_with_agenda(patient, clinician, 3)
    client.get(f"/clinic/patients/{patient.pk}/")  # the first view of the day writes more
    one, page = _record_queries(client, patient)
    assert page.count("agenda written") == 1
    for days in (10, 17, 24):
        appointment_with_agenda(patient, clinician, days)
    four, page = _record_queries(client, patient)
    assert page.count("agenda written") == 4
    assert four == one


# --- Every page built from the record reads it in the same number of queries, however much ---

PAGES = {
    "record": "clinic:patient",
    "encounter form": "clinic:encounter-new",
    "records to edit": "clinic:records",
    "consultation summary": "clinic:consultation-summary",
}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_built_from_the_record_reads_three_of_everything_as_it_reads_one(
    client, clinician, team, page
):
    """A query per encounter, goal, marker, condition or clinician named would show here."""
    clinicians = clinicians_of(team)
    one, three = PatientFactory(teams=[team]), PatientFactory(teams=[team])
    record_fill(one, clinicians, 1)
    record_fill(three, clinicians, 3)
    client.force_login(clinician)
    counts, pages = [], []
    for patient in (one, three):
        url = reverse(PAGES[page], args=[patient.pk])
        client.get(url)  # the first view of the day writes more
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
        pages.append(response.content.decode())
    assert counts[0] == counts[1], "\n".join(q["sql"][:300] for q in queries.captured_queries)
    # The page read the three of each it was given.
    shown = {
        "record": ["Ada", "Ben", "Cai", "Goal 2", "Item 2", "Note 2"],
        "encounter form": ["Goal 2"],
        "records to edit": ["Goal 2"],
        "consultation summary": ["Goal 2"],
    }[page]
    for text in shown:
        assert text in pages[1], text
