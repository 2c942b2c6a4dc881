"""No response that may carry health data is kept by a browser or a proxy: every dynamic response,
of every kind (pages, the portal, dashboards, CSV, API JSON, FHIR, error pages), is sent with
``Cache-Control: no-store``; static files keep their cache lifetimes."""

import datetime as dt

import pytest

from assessments.services import rating_record
from indicators.services import summaries_rebuild_all
from tests.api.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def assert_not_stored(response, status: int = 200) -> None:
    assert response.status_code == status
    assert {"no-store", "private", "no-cache", "max-age=0"} <= directives(response), response.get(
        "Cache-Control"
    )


def test_the_patient_record_page_is_not_stored(client, clinician, patient):
    client.force_login(clinician)
    assert_not_stored(client.get(f"/clinic/patients/{patient.pk}/"))


def test_the_caseload_is_not_stored(client, clinician, patient):
    client.force_login(clinician)
    assert_not_stored(client.get("/clinic/?q=Pat"))


def test_the_portal_is_not_stored(client, patient):
    client.force_login(patient.user)
    assert_not_stored(client.get("/me/"))


def test_a_team_dashboard_and_its_csv_are_not_stored(client, manager, team, patient):
    rating_record(
        patient=patient, element="H1", value=6, rated_on=dt.date(2026, 2, 10), rater="patient"
    )
    summaries_rebuild_all()  # a stored quarter, so that there is a CSV to download
    client.force_login(manager)

    page = client.get(f"/dashboards/teams/{team.pk}/")
    csv = client.get(f"/dashboards/teams/{team.pk}/export.csv")

    assert_not_stored(page)
    assert_not_stored(csv)
    assert csv["Content-Type"].startswith("text/csv")


def test_api_json_and_fhir_answers_are_not_stored(clinician, patient):
    api = client_for(clinician)

    record = api.get(f"/api/v1/patients/{patient.pk}/")
    bundle = api.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything")

    assert_not_stored(record)
    assert_not_stored(bundle)
    assert bundle["Content-Type"] == "application/fhir+json"


def test_error_pages_and_refusals_are_not_stored(client, clinician, other_patient):
    client.force_login(clinician)
    api = client_for(clinician)

    assert_not_stored(client.get(f"/clinic/patients/{other_patient.pk}/"), 404)
    assert_not_stored(api.get(f"/api/v1/patients/{other_patient.pk}/"), 404)
    assert_not_stored(client.get("/dashboards/teams/999999/"), 404)
    assert_not_stored(client.get("/clinic/?q=%00"), 400)
    assert_not_stored(client_for(None).get("/api/v1/patients/"), 401)


def test_a_server_error_page_is_not_stored(client, clinician, patient, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("interop.api.patient_everything", broken)
    api = client_for(clinician)
    api.raise_request_exception = False

    response = api.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything")

    assert_not_stored(response, 500)
    assert response.json() == {"detail": "Server error: the request was not completed."}


def test_a_never_cache_view_keeps_its_own_headers(client, clinician, team):
    newcomer = PatientFactory(display_name="Margaret H.", teams=[team])  # no login yet
    client.force_login(clinician)
    response = client.get(f"/clinic/patients/{newcomer.pk}/invitation/")

    assert_not_stored(response)
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Expires" in response


def test_static_files_keep_their_cache_lifetime(client):
    response = client.get("/static/css/site.css")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
