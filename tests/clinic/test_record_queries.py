"""The record page reads a patient's record in a fixed number of queries, however many upcoming
appointments (each with its agenda or not), screens and ratings the patient has."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients.models import Agenda
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def _record_queries(client, patient) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/clinic/patients/{patient.pk}/")
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def _appointment_with_agenda(patient, clinician, days: int) -> None:
    appointment = AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=days)
    )
    Agenda.objects.create(patient=patient, appointment=appointment, going_well="Walking more")


def test_more_appointments_with_agendas_do_not_add_queries(client, clinician, patient):
    client.force_login(clinician)
    _appointment_with_agenda(patient, clinician, 3)
    client.get(f"/clinic/patients/{patient.pk}/")  # the first view of the day writes more
    one, page = _record_queries(client, patient)
    assert page.count("agenda written") == 1
    for days in (10, 17, 24):
        _appointment_with_agenda(patient, clinician, days)
    four, page = _record_queries(client, patient)
    assert page.count("agenda written") == 4
    assert four == one
