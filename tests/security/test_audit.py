"""Every access to a record, and every refusal, is accounted for; the log itself is tamper-proof
and never carries secrets or notes."""

import logging

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from rest_framework.test import APIClient

from patients.models import AuditEvent
from portal.selectors import record_access_rows
from tests.api.conftest import client_for
from tests.conftest import PASSWORD
from tests.support.api_tokens import api_key_for

pytestmark = pytest.mark.django_db


def test_a_refused_api_access_is_an_audit_row_naming_who_and_what(other_clinician, patient):
    response = client_for(other_clinician).get(f"/api/v1/patients/{patient.pk}/ratings/")

    assert response.status_code == 404
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor, event.actor_role, event.patient, event.what) == (
        other_clinician,
        "clinician",
        patient,
        "404 GET",
    )
    assert event.path == f"/api/v1/patients/{patient.pk}/ratings/"
    assert len(event.request_id) >= 16


def test_an_anonymous_api_call_is_recorded_as_refused(patient):
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/patients/{patient.pk}/").status_code == 401
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor, event.actor_role, event.what) == (None, "anonymous", "401 GET")


def test_a_refused_page_is_an_audit_row(client, manager, patient):
    client.force_login(manager)
    assert client.get(f"/clinic/patients/{patient.pk}/").status_code == 404
    assert client.get("/clinic/").status_code == 403
    assert list(AuditEvent.objects.order_by("id").values_list("actor_role", "what")) == [
        ("manager", "404 GET"),
        ("manager", "403 GET"),
    ]


def test_a_request_id_given_by_the_proxy_is_kept(other_clinician, patient):
    client = client_for(other_clinician)
    client.get(f"/api/v1/patients/{patient.pk}/", HTTP_X_REQUEST_ID="req-7f3a9c")
    assert AuditEvent.objects.get().request_id == "req-7f3a9c"


def test_audit_rows_cannot_be_changed_or_deleted_by_the_application(clinician, patient):
    event = AuditEvent.objects.create(actor=clinician, patient=patient, action="view", what="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(what="y")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.what = "y"
    with pytest.raises(PermissionError):
        event.save()


def test_on_postgresql_not_even_raw_sql_can_change_an_audit_row(clinician, patient):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    event = AuditEvent.objects.create(actor=clinician, patient=patient, action="view", what="x")
    for statement in (
        "UPDATE patients_auditevent SET what = 'y' WHERE id = %s",
        "DELETE FROM patients_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises((InternalError, IntegrityError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])


def test_logs_never_carry_passwords_tokens_or_notes(client, clinician, patient, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/accounts/login/", {"username": "nurse", "password": "a-wrong-password-42"})
    key = api_key_for(clinician)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.post(
        f"/api/v1/patients/{patient.pk}/encounters/",
        {
            "occurred_at": "2026-02-10T10:00:00Z",
            "mode": "phone",
            "initiated_by": "patient",
            "duration_minutes": 10,
            "note": "Confidential: talked about her marriage",
        },
        format="json",
    )
    api.get("/api/v1/patients/999999/")
    logged = caplog.text
    assert "Not Found" in logged  # the log did record the refused request
    for secret in ("a-wrong-password-42", PASSWORD, key, "talked about her marriage"):
        assert secret not in logged


# Every staff view of a record is audited, a page shown again after a refused form too: the
# row of the refused save is rolled back with it, the row of what the page shows is not.


def _views(patient):
    return list(
        AuditEvent.objects.filter(patient=patient).values_list("actor__username", "action", "what")
    )


def test_the_sign_in_help_page_is_an_audited_view(client, clinician, patient):
    client.force_login(clinician)
    response = client.get(f"/clinic/patients/{patient.pk}/sign-in-help/")
    assert response.status_code == 200
    assert "<strong>pat</strong>" in response.content.decode()
    assert _views(patient) == [("nurse", "view", "sign-in help")]


def test_a_refused_appointment_shows_the_record_again_and_audits_it(client, clinician, patient):
    client.force_login(clinician)
    url = f"/clinic/patients/{patient.pk}/appointments/"
    response = client.post(url, {"appointment-starts_at": "not a time"})
    assert response.status_code == 400
    assert _views(patient) == [("nurse", "view", "patient record")]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("conditions/", {"new-condition-snomed_code": ""}),
        ("context-events/", {"new-event-kind": "", "new-event-occurred_on": "2999-01-01"}),
    ],
)
def test_a_refused_supporting_record_shows_the_page_again_and_audits_it(
    client, clinician, patient, path, body
):
    client.force_login(clinician)
    response = client.post(f"/clinic/patients/{patient.pk}/{path}", body)
    assert response.status_code == 400
    assert _views(patient) == [("nurse", "view", "supporting records")]


def test_a_refused_encounter_shows_the_form_again_and_audits_it(client, clinician, patient):
    client.force_login(clinician)
    url = f"/clinic/patients/{patient.pk}/encounters/new/"
    response = client.post(url, {"mode": "face_to_face", "duration_minutes": "x"})
    assert response.status_code == 400
    assert _views(patient) == [("nurse", "view", "encounter form")]


def test_a_refused_invitation_shows_the_form_again_and_audits_it(client, clinician, team):
    from tests.factories import PatientFactory

    newcomer = PatientFactory(display_name="Margaret H.", teams=[team])
    client.force_login(clinician)
    response = client.post(f"/clinic/patients/{newcomer.pk}/invitation/", {"email": "margaret@"})
    assert response.status_code == 400
    assert _views(newcomer) == [("nurse", "view", "portal invitation")]


@pytest.mark.parametrize(
    "path",
    [
        "summaries/2026Q1/",  # no summary for the quarter yet
        "targets/59261-8/",  # no target set yet
        "ratings/?page=9",  # past the last page
        "readings/?page=abc",  # not a page number (a 400)
    ],
)
def test_nothing_there_for_the_patients_own_clinician_is_not_a_refusal(clinician, patient, path):
    response = client_for(clinician).get(f"/api/v1/patients/{patient.pk}/{path}")
    assert response.status_code in (400, 404)
    # Nor does the patient see one in "Who has seen my record".
    assert [row.action for row in record_access_rows(patient=patient)] in ([], ["view"])


@pytest.mark.parametrize("path", ["summaries/2026Q1/", "targets/59261-8/", "ratings/?page=9"])
def test_the_same_for_a_clinician_of_another_team_is_a_refusal(other_clinician, patient, path):
    response = client_for(other_clinician).get(f"/api/v1/patients/{patient.pk}/{path}")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor, event.patient, event.what) == (other_clinician, patient, "404 GET")


def test_a_team_outside_the_role_is_a_refusal_and_nothing_there_is_not(
    clinician, other_clinician, team
):
    other = client_for(other_clinician)
    assert other.get(f"/api/v1/teams/{team.pk}/summaries/2026Q1/").status_code == 404
    assert AuditEvent.objects.filter(action="denied", actor=other_clinician).count() == 1
    assert (
        client_for(clinician).get(f"/api/v1/teams/{team.pk}/summaries/2026Q1/").status_code == 404
    )
    assert not AuditEvent.objects.filter(action="denied", actor=clinician).exists()


def test_a_page_with_nothing_there_on_a_record_within_the_role_is_not_a_refusal(
    client, clinician, other_clinician, patient
):
    """A goal id not there, on a record the clinician may open, is nothing there: the patient
    never sees their own clinician as refused. The same page for another team is a refusal."""
    missing_goal = f"/clinic/patients/{patient.pk}/goals/999999/"
    client.force_login(clinician)
    assert client.post(missing_goal, {}).status_code == 404
    assert not AuditEvent.objects.filter(action="denied").exists()

    client.force_login(other_clinician)
    assert client.post(missing_goal, {}).status_code == 404
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor, event.patient) == (other_clinician, patient)
