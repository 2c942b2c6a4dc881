"""Input no view can use is refused where it enters, with the parameter or field named as the
API names it and the rule stated: NUL characters (which PostgreSQL refuses), JSON nested too deep
or naming a key twice, empty dates, FHIR dates out of range, bodies over the size limit."""

import json

import pytest
from axes.models import AccessAttempt

from assessments.models import Reading
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

NO_NUL = "must not contain NUL characters"
TOO_DEEP = "JSON nested deeper than 64 levels is not accepted"
TOO_LARGE = "The request body is larger than the 2.5 MB this service accepts."
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def api(clinician):
    return client_for(clinician)


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def post_json(api, path: str, text: str):
    """POST a body exactly as written: keys given twice and escapes reach the parser as sent."""
    return api.generic("POST", path, text.encode(), content_type="application/json")


def nested(levels: int) -> str:
    return '{"note": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


# --- NUL characters: query strings, paths, headers, forms -------------------------------------


def test_a_nul_in_a_query_value_is_refused_naming_the_parameter(api):
    response = api.get("/api/v1/patients/?search=Ada%00")

    assert response.status_code == 400
    assert response.json() == {"search": [NO_NUL]}


def test_a_nul_in_a_parameters_name_is_refused_naming_it_as_sent(api):
    response = api.get("/api/v1/patients/?sea%00rch=Ada")

    assert response.status_code == 400
    assert response.json() == {"sea\x00rch": [NO_NUL]}


def test_a_nul_in_a_path_value_matches_no_route(api, signed_in, patient):
    record = f"/api/v1/patients/{patient.pk}/targets/59261-8%00/"
    page = f"/clinic/patients/{patient.pk}/targets/59261-8%00/"

    assert (api.get(record).status_code, api.get(record).json()) == (404, {"detail": "Not found."})
    assert signed_in.get(page).status_code == 404


def test_a_nul_in_a_request_header_is_refused_naming_the_header(api):
    response = api.get("/api/v1/patients/", HTTP_X_REQUEST_ID="abc\x00def")

    assert response.status_code == 400
    assert response.json() == {"X-Request-Id": [NO_NUL]}


def test_a_nul_in_a_page_query_is_a_400_page_naming_the_parameter(signed_in):
    response = signed_in.get("/clinic/?q=Ada%00")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<code>q</code> must not contain NUL characters" in response.content.decode()


def test_a_nul_in_a_form_field_is_refused_before_sign_in_counts_it(client, clinician):
    response = client.post("/accounts/login/", {"username": "nurse\x00", "password": "x"})

    assert response.status_code == 400
    assert "<code>username</code> must not contain NUL characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_admin_site_is_behind_the_same_guard(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/patients/patient/?q=%00")

    assert response.status_code == 400
    assert "<code>q</code> must not contain NUL characters" in response.content.decode()


# --- JSON bodies ---------------------------------------------------------------------------------


def test_a_nul_in_a_json_value_is_refused_naming_the_field(api, team):
    response = post_json(
        api,
        "/api/v1/patients/",
        f'{{"display_name": "Ada\\u0000", "birth_year": 1951, "teams": [{team.pk}]}}',
    )

    assert response.status_code == 400
    assert response.json() == {"display_name": [NO_NUL]}


def test_a_nul_in_a_nested_json_key_is_refused_naming_where_it_is(api, patient):
    response = post_json(
        api,
        f"/api/v1/patients/{patient.pk}/priorities/",
        '{"effective_from": "2026-02-01", "points": {"H1\\u0000": 50}}',
    )

    assert response.status_code == 400
    assert response.json() == {"points.H1\x00": ["a field name must not contain NUL characters"]}


def test_a_nul_deep_in_a_fhir_bundle_is_named_by_its_path(api, patient):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Observation", "status": "fin\x00al"}}],
    }
    response = api.post(f"/api/v1/fhir/Patient/{patient.pk}/Observation/", bundle, format="json")

    assert response.status_code == 400
    assert response.json() == {"entry[0].resource.status": [NO_NUL]}


def test_text_that_is_not_unicode_is_refused_in_keys_and_values(api, patient):
    response = post_json(
        api, f"/api/v1/patients/{patient.pk}/ratings/", '{"\\ud800": 1, "element": "\\udfff"}'
    )

    assert response.status_code == 400
    assert response.json() == {
        "\\ud800": ["a field name must be valid Unicode text"],
        "element": ["must be valid Unicode text"],
    }


def test_json_nested_64_levels_is_read_and_65_is_refused(api, patient):
    ratings = f"/api/v1/patients/{patient.pk}/ratings/"

    read = post_json(api, ratings, nested(64))
    refused = post_json(api, ratings, nested(65))

    assert read.status_code == 400
    assert "note" in read.json()  # the serializer saw it: an unknown field
    assert refused.status_code == 400
    assert refused.json() == {"detail": TOO_DEEP}


def test_json_nested_thousands_deep_is_refused_the_same_way(api, patient):
    response = post_json(api, f"/api/v1/patients/{patient.pk}/ratings/", "[" * 100_000)

    assert response.status_code == 400
    assert response.json() == {"detail": TOO_DEEP}


def test_a_key_given_twice_is_refused_not_silently_resolved(api, patient):
    response = post_json(
        api,
        f"/api/v1/patients/{patient.pk}/ratings/",
        '{"element": "H1", "value": 2, "value": 9, "rated_on": "2026-02-10", "rater": "proxy"}',
    )

    assert response.status_code == 400
    assert response.json() == {"value": ["appears twice in the same object"]}
    assert not patient.ratings.exists()


def test_a_key_given_twice_in_a_nested_object_is_named_by_its_path(api, patient):
    response = post_json(
        api,
        f"/api/v1/patients/{patient.pk}/priorities/",
        '{"effective_from": "2026-02-01", "points": {"H1": 60, "H1": 40}}',
    )

    assert response.status_code == 400
    assert response.json() == {"points.H1": ["appears twice in the same object"]}


def test_a_number_too_large_for_json_is_refused_naming_the_field(api, patient):
    response = post_json(
        api,
        f"/api/v1/patients/{patient.pk}/readings/",
        '{"loinc": "59261-8", "value": 1e400, "unit": "mmol/mol", "taken_on": "2026-02-10"}',
    )

    assert response.status_code == 400
    assert response.json() == {"value": ["must be a number JSON can hold (this one is too large)"]}


# --- Dates and other query filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "name"),
    [("encounters", "to"), ("encounters", "from"), ("ratings", "to"), ("readings", "from")],
)
def test_an_empty_date_filter_is_refused_naming_it(api, patient, route, name):
    response = api.get(f"/api/v1/patients/{patient.pk}/{route}/?{name}=")

    assert response.status_code == 400
    assert response.json() == {name: [f"{name} must be a date like 2026-03-31"]}


def test_an_absent_date_filter_is_still_fine(api, patient):
    response = api.get(f"/api/v1/patients/{patient.pk}/encounters/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_empty_team_filter_is_refused_not_read_as_every_team(api, patient):
    response = api.get("/api/v1/patients/?team=")

    assert response.status_code == 400
    assert response.json() == {"team": ["team must be a team id (a whole number)"]}
    response = api.get("/api/v1/patients/?team=", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.json() == {"team": ["team moet een zorgteam-id zijn (een heel getal)"]}


@pytest.mark.parametrize("rater", ["", "nurse"])
def test_a_rater_filter_outside_its_enum_is_refused(api, patient, rater):
    response = api.get(f"/api/v1/patients/{patient.pk}/ratings/?rater={rater}")

    assert response.status_code == 400
    assert response.json() == {"rater": ["rater must be one of patient, proxy, clinician"]}


def observation(when: str) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "59261-8"}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": 50, "unit": "mmol/mol", "code": "mmol/mol"},
    }


@pytest.mark.parametrize(
    ("when", "rule"),
    [
        ("0001-01-01T00:00:00+14:00", "effectiveDateTime must not be before 1900"),
        ("1899-12-31", "effectiveDateTime must not be before 1900"),
        ("9999-12-31T23:59:59-14:00", "effectiveDateTime must not be in the future"),
    ],
)
def test_a_fhir_date_out_of_range_is_refused_naming_effective_date_time(api, patient, when, rule):
    response = api.post(
        f"/api/v1/fhir/Patient/{patient.pk}/Observation/", observation(when), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"effectiveDateTime": [rule]}
    assert not Reading.objects.exists()


def test_a_fhir_date_out_of_range_in_a_bundle_names_its_entry(api, patient):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": observation("2026-02-10")},
            {"resource": observation("0001-01-01T00:00:00+14:00")},
        ],
    }
    response = api.post(f"/api/v1/fhir/Patient/{patient.pk}/Observation/", bundle, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "entry[1].effectiveDateTime": ["effectiveDateTime must not be before 1900"]
    }
    assert not Reading.objects.exists()


# --- Size and number of parameters ----------------------------------------------------------------


def test_an_api_body_over_the_limit_is_413_json_naming_the_limit(api, patient):
    body = json.dumps({"note": "a" * TEN_MB})
    response = post_json(api, f"/api/v1/patients/{patient.pk}/ratings/", body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": TOO_LARGE}


def test_an_api_body_just_under_the_limit_is_still_read(api, patient):
    body = json.dumps({"note": "a" * (2 * 1024 * 1024)})
    response = post_json(api, f"/api/v1/patients/{patient.pk}/ratings/", body)

    assert response.status_code == 400
    assert response.json()["note"] == ["unknown field: it cannot be set here"]


def test_a_form_over_the_limit_is_a_plain_400_page_naming_the_limit(signed_in, patient):
    response = signed_in.post(
        f"/clinic/patients/{patient.pk}/context-events/", {"note": "a" * TEN_MB}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert TOO_LARGE in response.content.decode()


def test_more_query_parameters_than_django_reads_is_a_json_400_under_the_api(api, signed_in):
    query = "&".join(f"p{i}=1" for i in range(1001))

    from_api = api.get(f"/api/v1/patients/?{query}")
    from_page = signed_in.get(f"/clinic/?{query}")

    assert from_api.status_code == 400
    assert from_api.json() == {
        "detail": "The request has more parameters or form fields than this service reads "
        "(at most 1000)."
    }
    assert from_page.status_code == 400
    assert "at most 1000" in from_page.content.decode()
