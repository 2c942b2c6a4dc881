"""Every write and its audit row stand or fall together: the service that writes the record
writes the row in the same transaction. A failure after the write (the audit log refusing the
row, or the summaries' freshness mark failing) leaves neither the record nor the row."""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import GoalReview, PersonalTarget, Rating, Reading
from assessments.services import goal_create
from patients.models import AuditEvent, Condition, ContextEvent, Encounter, Patient

pytestmark = pytest.mark.django_db
DAY = "2026-10-05"


def api_writes(patient, team, goal):
    """(method, path, body, the model whose rows the write adds or changes)."""
    base = f"/api/v1/patients/{patient.pk}"
    return {
        "register a patient": (
            "post", "/api/v1/patients/",
            {"display_name": "Ada L.", "birth_year": 1951, "teams": [team.pk]}, Patient,
        ),
        "change a patient": ("patch", f"{base}/", {"display_name": "Ada Lovelace"}, Patient),
        "add a condition": (
            "post", f"{base}/conditions/", {"snomed_code": "44054006", "onset": "2019-11-30"},
            Condition,
        ),
        "log an encounter": (
            "post", f"{base}/encounters/",
            {"occurred_at": "2026-10-05T10:30:00+01:00", "mode": "face_to_face",
             "initiated_by": "patient", "duration_minutes": 20},
            Encounter,
        ),
        "add a rating": (
            "post", f"{base}/ratings/",
            {"element": "H2", "value": 4, "rated_on": DAY, "rater": "clinician"}, Rating,
        ),
        "review a goal": (
            "post", f"/api/v1/goals/{goal.pk}/reviews/",
            {"attainment": 1, "reviewed_on": DAY}, GoalReview,
        ),
        "add a reading": (
            "post", f"{base}/readings/",
            {"loinc": "59261-8", "value": 52, "unit": "mmol/mol", "taken_on": DAY}, Reading,
        ),
        "set a target": (
            "put", f"{base}/targets/59261-8/", {"low": 48, "high": 58, "relevant": True},
            PersonalTarget,
        ),
        "add a life event": (
            "post", f"{base}/context-events/", {"kind": "bereavement", "occurred_on": DAY},
            ContextEvent,
        ),
        "import a FHIR reading": (
            "post", f"/api/v1/fhir/Patient/{patient.pk}/Observation/",
            {"resourceType": "Observation", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "59261-8"}]},
             "valueQuantity": {"value": 50, "unit": "mmol/mol"},
             "effectiveDateTime": DAY},
            Reading,
        ),
    }  # fmt: skip


WRITES = [
    "register a patient", "change a patient", "add a condition", "log an encounter",
    "add a rating", "review a goal", "add a reading", "set a target", "add a life event",
    "import a FHIR reading",
]  # fmt: skip


@pytest.fixture
def goal(patient):
    return goal_create(
        patient=patient, description="Walk daily", domain="H", baseline_on=dt.date(2026, 10, 1)
    )


def state(model):
    """Every row of the model as stored, and the audit log's length."""
    return list(model.objects.order_by("pk").values()), AuditEvent.objects.count()


def send(client, method, path, body):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("name", WRITES)
def test_each_api_write_succeeds_with_exactly_one_audit_row(name, clinician, patient, team, goal):
    client = APIClient()
    client.force_authenticate(clinician)
    method, path, body, _ = api_writes(patient, team, goal)[name]
    before = AuditEvent.objects.count()

    response = send(client, method, path, body)

    assert response.status_code in (200, 201), response.content
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.latest("pk")
    assert (row.actor, row.action) == (
        clinician,
        "update" if method in ("put", "patch") else "create",
    )


@pytest.mark.parametrize("name", WRITES)
def test_an_audit_row_that_cannot_be_written_leaves_no_write(name, clinician, patient, team, goal):
    client = APIClient(raise_request_exception=True)
    client.force_authenticate(clinician)
    method, path, body, model = api_writes(patient, team, goal)[name]
    before = state(model)

    with (
        mock.patch.object(
            AuditEvent.objects, "create", side_effect=DatabaseError("audit log unavailable")
        ),
        pytest.raises(DatabaseError, match="audit log unavailable"),
    ):
        send(client, method, path, body)

    assert state(model) == before


@pytest.mark.parametrize("name", ["log an encounter", "add a rating", "add a reading"])
def test_a_failure_after_the_write_leaves_neither_the_write_nor_its_audit_row(
    name, clinician, patient, team, goal
):
    client = APIClient(raise_request_exception=True)
    client.force_authenticate(clinician)
    method, path, body, model = api_writes(patient, team, goal)[name]
    before = state(model)

    with (
        mock.patch(
            "indicators.freshness.summaries_mark_stale",
            side_effect=DatabaseError("freshness mark failed"),
        ),
        pytest.raises(DatabaseError, match="freshness mark failed"),
    ):
        send(client, method, path, body)

    assert state(model) == before


def test_the_encounter_page_writes_its_audit_row_with_the_encounter_or_not_at_all(
    clinician, patient
):
    client = Client(raise_request_exception=True)
    client.force_login(clinician)
    form = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "initiated_by": "service",
        "duration_minutes": "15",
        "own_H1": "5",
        "target_relevant": "on",  # ticked when the form is shown, so a browser sends it
    }
    url = f"/clinic/patients/{patient.pk}/encounters/new/"
    before = state(Encounter)

    with (
        mock.patch.object(
            AuditEvent.objects, "create", side_effect=DatabaseError("audit log unavailable")
        ),
        pytest.raises(DatabaseError, match="audit log unavailable"),
    ):
        client.post(url, form)

    assert state(Encounter) == before
    response = client.post(url, form)
    assert response.status_code == 302
    assert Encounter.objects.filter(patient=patient).count() == 1
    assert (
        AuditEvent.objects.filter(patient=patient, what="encounter", action="create").count() == 1
    )
