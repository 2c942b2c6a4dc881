"""Tokens are issued and revoked; the schema and interactive docs are served from local assets."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.conftest import PASSWORD
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db


def test_a_user_exchanges_username_and_password_for_a_token(clinician, patient):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "nurse", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "name", "expires_at"}
    stored = ApiToken.objects.get(user=clinician)
    assert stored.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert stored.prefix == body["token"][:8]
    assert body["token"] not in {stored.key_hash, stored.prefix, stored.name}  # never stored
    assert body["name"] == stored.name
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert [p["display_name"] for p in api.get("/api/v1/patients/").json()["results"]] == ["Pat P."]


def test_a_wrong_password_gets_no_token(clinician):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "nurse", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token_and_it_stops_working(as_clinician, clinician, patient):
    assert as_clinician.get("/api/v1/patients/").status_code == 200

    assert as_clinician.delete("/api/v1/auth/token/").status_code == 204

    assert not ApiToken.objects.filter(user=clinician).exists()
    refused = as_clinician.get("/api/v1/patients/")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid token."}


def test_revoking_without_credentials_is_a_401_like_every_other(anonymous):
    refused = anonymous.delete("/api/v1/auth/token/")
    other = anonymous.get("/api/v1/patients/")

    assert refused.status_code == other.status_code == 401
    assert (
        refused.json()
        == other.json()
        == {"detail": "Authentication credentials were not provided."}
    )
    assert refused["WWW-Authenticate"] == other["WWW-Authenticate"] == "Token"


def test_revoking_without_credentials_says_so_in_the_language_asked_for(anonymous):
    refused = anonymous.delete("/api/v1/auth/token/", HTTP_ACCEPT_LANGUAGE="nl")
    other = anonymous.get("/api/v1/patients/", HTTP_ACCEPT_LANGUAGE="nl")

    assert refused.status_code == 401
    assert refused.json() == other.json()
    assert refused["Content-Language"] == "nl"


def test_an_administrator_revokes_a_users_token_in_the_admin(
    client, admin_user, as_clinician, clinician
):
    as_clinician.get("/api/v1/patients/")
    token = ApiToken.objects.get(user=clinician)
    sign_in_with_code(client, admin_user)
    listed = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert f"{token.prefix}" in listed
    assert token.key_hash not in listed

    url = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=clinician).exists()
    assert as_clinician.get("/api/v1/patients/").status_code == 401


def test_the_openapi_schema_is_served_and_names_every_public_route(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for route in [
        "/api/v1/auth/token/",
        "/api/v1/framework/",
        "/api/v1/patients/",
        "/api/v1/patients/{patient_id}/",
        "/api/v1/patients/{patient_id}/ratings/",
        "/api/v1/patients/{patient_id}/summaries/{period}/",
        "/api/v1/goals/{goal_id}/reviews/",
        "/api/v1/patients/{patient_id}/targets/{loinc}/",
        "/api/v1/teams/{team_id}/summaries/{period}/",
        "/api/v1/fhir/Patient/{patient_id}/$everything",
    ]:
        assert route in paths, route
    assert set(paths["/api/v1/patients/{patient_id}/ratings/"]["post"]["responses"]) >= {
        "201",
        "400",
        "401",
        "403",
        "404",
    }


# The short lists docs/api-contract.md names as bare arrays; every other list comes in pages.
BARE_LISTS = {
    "/api/v1/goals/{goal_id}/reviews/",
    "/api/v1/instruments/",
    "/api/v1/patients/{patient_id}/summaries/",
}


def test_every_list_comes_in_pages_but_the_three_the_contract_names(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    answers = {
        route: content["application/json"]["schema"]
        for route, operations in response.json()["paths"].items()
        if "get" in operations
        and "application/json" in (content := operations["get"]["responses"]["200"]["content"])
    }
    bare = {route for route, schema in answers.items() if schema.get("type") == "array"}
    paged = {route for route, schema in answers.items() if "Paginated" in schema.get("$ref", "")}

    assert bare == BARE_LISTS
    assert paged == {"/api/v1/patients/"} | {
        f"/api/v1/patients/{{patient_id}}/{records}/"
        for records in [
            "conditions", "context-events", "encounters", "goals", "items", "priorities",
            "ratings", "readings", "responses",
        ]
    }  # fmt: skip


def test_interactive_docs_load_their_assets_locally_not_from_a_cdn(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_the_framework_lists_the_13_elements_by_domain(as_patient):
    response = as_patient.get("/api/v1/framework/")
    domains = response.json()["domains"]
    assert [d["code"] for d in domains] == ["H", "M", "R"]
    assert [len(d["elements"]) for d in domains] == [5, 4, 4]
    assert domains[0]["elements"][0] == {
        "code": "H1",
        "label": "Biomedical markers within a personally agreed, realistic range",
        "plain_label": "My test results are in the range we agreed",
    }


def test_the_schema_says_a_page_is_a_whole_number_from_1_and_a_bad_one_a_400(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for route in ["/api/v1/patients/", "/api/v1/patients/{patient_id}/ratings/"]:
        listed = schema["paths"][route]["get"]
        [page] = [one for one in listed["parameters"] if one["name"] == "page"]
        assert page["schema"] == {"type": "integer", "minimum": 1}
        assert {"200", "400", "404"} <= set(listed["responses"])
