"""No input ends in a server error. Every API operation of the OpenAPI schema and every page of
the URL configuration is called as a signed-in clinician with what PostgreSQL or a parser cannot
take: NUL characters in query values, path values, form fields and JSON keys and values, JSON
nested thousands deep, a key given twice, text that is not Unicode, a 10 MB body, an empty date
and a FHIR date out of range. Nothing may answer 5xx, and where the input guard answers, it
answers as documented: the parameter or field named with its rule, JSON under /api/.

On PostgreSQL (``DATABASE_URL=postgres://...``) this is the test that matters: SQLite stores NUL
characters that PostgreSQL refuses."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from drf_spectacular.generators import SchemaGenerator

from assessments.services import goal_create
from patients.services import condition_record
from ssm_outcomes.input_guard import (
    NAME_NO_NUL,
    NO_NUL,
    NOT_UNICODE,
    REPEATED_KEY,
    TOO_DEEP,
    body_too_large_message,
)
from tests.api.conftest import client_for
from tests.factories import EncounterFactory

pytestmark = pytest.mark.django_db

NUL_QUERY_NAMES = ["q", "page", "period", "sort", "next", "all"]
BODY_METHODS = ("post", "put", "patch")
METHOD_ORDER = ["get", "post", "put", "patch", "delete"]  # DELETE of the token route last
TEN_MB = 10 * 1024 * 1024
FHIR_OUT_OF_RANGE = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "59261-8"}]},
    "effectiveDateTime": "0001-01-01T00:00:00+14:00",
    "valueQuantity": {"value": 50, "unit": "mmol/mol", "code": "mmol/mol"},
}

# JSON bodies, as raw text so that keys given twice and escapes reach the parser as written, with
# what the guard answers for each.
JSON_BODIES = {
    "NUL in a value": ('{"note": "a\\u0000b"}', 400, {"note": [NO_NUL]}),
    "NUL in a nested key": (
        '{"points": {"H\\u00001": 5}}',
        400,
        {"points.H\x001": [NAME_NO_NUL]},
    ),
    "nested 5000 deep": ("[" * 5000 + "]" * 5000, 400, {"detail": TOO_DEEP}),
    "nested 65 deep": ('{"a":' * 65 + "1" + "}" * 65, 400, {"detail": TOO_DEEP}),
    "a key twice": ('{"value": 1, "value": 2}', 400, {"value": [REPEATED_KEY]}),
    "a lone surrogate": ('{"note": "\\ud800"}', 400, {"note": [NOT_UNICODE]}),
}


def answer(call):
    """One request in a savepoint of its own: on PostgreSQL a request that failed in the database
    (what this test looks for) must not turn every later one into "transaction aborted"."""
    savepoint = transaction.savepoint()
    response = call()
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(False)
    else:
        transaction.savepoint_commit(savepoint)
    return response


@pytest.fixture
def ids(patient, team, clinician):
    """Real ids, so that a request whose input is not refused reaches a real record."""
    goal = goal_create(
        patient=patient, description="Walk", domain="H", baseline_on=dt.date(2026, 1, 5)
    )
    condition = condition_record(patient=patient, snomed_code="44054006")
    encounter = EncounterFactory(patient=patient, clinician=clinician)
    return {
        "patient_id": patient.pk,
        "goal_id": goal.pk,
        "team_id": team.pk,
        "condition_id": condition.pk,
        "encounter_id": encounter.pk,
        "period": "2026Q1",
        "loinc": "59261-8",
        "code": "PHQ2",
        "key": "H1",
        "uidb64": "MQ",
        "token": "not-a-real-token",
    }


# --- The API, from its schema ----------------------------------------------------------------


def api_operations() -> dict[str, dict]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    # The schema and docs routes are left out of the schema itself.
    return {**paths, "/api/v1/schema/": {"get": {}}, "/api/v1/docs/": {"get": {}}}


API_OPERATIONS = api_operations()


def test_the_walk_covers_the_whole_api():
    operations = [(p, m) for p, ops in API_OPERATIONS.items() for m in ops]
    assert len(operations) >= 30
    assert ("/api/v1/fhir/Patient/{patient_id}/Observation/", "post") in operations


def fill(path: str, ids: dict, nul_in: str | None = None) -> str:
    def value(match):
        name = match.group(1)
        return f"{ids[name]}%00" if name == nul_in else str(ids[name])

    return re.sub(r"\{(\w+)\}", value, path)


def query_parameters(operation: dict) -> dict[str, str | None]:
    return {
        p["name"]: p.get("schema", {}).get("format")
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    }


@pytest.mark.parametrize("path", sorted(API_OPERATIONS))
def test_no_api_operation_answers_a_server_error_to_input_it_cannot_use(path, ids, clinician):
    client = client_for(clinician)
    client.raise_request_exception = False
    methods = [m for m in METHOD_ORDER if m in API_OPERATIONS[path]]
    url = fill(path, ids)
    got, expected = {}, {}

    def call(label, method, target, expect=None, **kwargs):
        response = answer(lambda: client.generic(method.upper(), target, **kwargs))
        body = response.json() if response.get("Content-Type") == "application/json" else None
        got[label] = (response.status_code, body if expect else None)
        expected[label] = expect or (response.status_code, None)
        assert response.status_code < 500, (label, response.content[:300])

    for method in methods:
        operation = API_OPERATIONS[path][method]
        for name in [*query_parameters(operation), "q"]:
            call(
                f"{method} ?{name}=NUL",
                method,
                f"{url}?{name}=a%00b",
                (400, {name: [NO_NUL]}),
            )
        for name, kind in query_parameters(operation).items():
            if kind == "date":
                rule = f"{name} must be a date like 2026-03-31"
                call(f"{method} ?{name}= (empty)", method, f"{url}?{name}=", (400, {name: [rule]}))
        for name in re.findall(r"\{(\w+)\}", path):
            call(
                f"{method} {{{name}}} with NUL",
                method,
                fill(path, ids, nul_in=name),
                (404, {"detail": "Not found."}),
            )
        reads_body = method in BODY_METHODS and "requestBody" in operation
        for label, (body, status, errors) in JSON_BODIES.items():
            call(
                f"{method} JSON {label}",
                method,
                url,
                (status, errors) if reads_body else None,
                data=body.encode(),
                content_type="application/json",
            )
        call(
            f"{method} FHIR date out of range",
            method,
            url,
            data=json.dumps(FHIR_OUT_OF_RANGE).encode(),
            content_type="application/json",
        )
        call(
            f"{method} 10 MB body",
            method,
            url,
            (413, {"detail": body_too_large_message()}),
            data=b'{"note": "' + b"a" * TEN_MB + b'"}',
            content_type="application/json",
        )
    assert got == expected


# --- The pages, from the URL configuration ---------------------------------------------------


def page_routes() -> list[str]:
    """Every HTML route outside the API and the admin site, as the access matrix lists them."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith(("api/", "admin/")):
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append("/" + route)

    walk(get_resolver().url_patterns)
    return sorted(found)


PAGE_ROUTES = page_routes()


def test_the_walk_covers_every_page():
    assert len(PAGE_ROUTES) >= 30
    assert "/clinic/patients/<id:patient_id>/targets/<str:loinc>/" in PAGE_ROUTES


def fill_page(route: str, ids: dict, nul_in: str | None = None) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        return f"{ids.get(name, ids['patient_id'])}" + ("%00" if name == nul_in else "")

    return re.sub(r"<([^>]+)>", value, route)


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_no_page_answers_a_server_error_to_input_it_cannot_use(route, ids, client, clinician):
    client.force_login(clinician)
    client.raise_request_exception = False
    url = fill_page(route, ids)
    got, expected = {}, {}

    def call(label, method, target, status, shown, **kwargs):
        response = answer(lambda: getattr(client, method)(target, **kwargs))
        page = response.content.decode()
        got[label] = (response.status_code, shown in page)
        expected[label] = (status, True)
        assert response.status_code < 500, (label, page[:300])

    for name in NUL_QUERY_NAMES:
        call(f"GET ?{name}=NUL", "get", f"{url}?{name}=a%00b", 400, f"<code>{name}</code>")
    names = [m.split(":")[-1] for m in re.findall(r"<([^>]+)>", route)]
    for name in names:
        call(f"GET <{name}> with NUL", "get", fill_page(route, ids, name), 404, "Page not found")
    if not names:
        call("GET NUL in the path", "get", url.rstrip("/") + "%00/", 404, "Page not found")
    call(
        "POST form with NUL",
        "post",
        url,
        400,
        "<code>note</code>",
        data={"note": "a\x00b", "username": "nurse"},
    )
    call(
        "POST 10 MB form",
        "post",
        url,
        400,
        "larger than the 2.5 MB this service accepts",
        data={"note": "a" * TEN_MB},
    )
    assert got == expected


# --- Ids too large for the database ----------------------------------------------------------

HUGE_ID = "9" * 23  # more than a 64-bit key holds


def every_pattern(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from every_pattern(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


OUR_APPS = ("ssm_outcomes", "patients", "assessments", "indicators", "accounts", "clinic")
OUR_APPS += ("portal", "interop", "demo")


def test_no_route_of_ours_takes_an_unbounded_number():
    """Django's ``int`` converter takes any number of digits, which the database then refuses;
    our routes use the project's ``id`` converter (at most 18 digits). (django-otp's admin has
    two ``int`` routes of its own, for administrators only.)"""
    unbounded = sorted(
        route
        for route, p in every_pattern()
        if p.lookup_str.split(".")[0] in OUR_APPS
        and any(isinstance(c, IntConverter) for c in getattr(p.pattern, "converters", {}).values())
    )

    assert unbounded == []


ID_ROUTES = [r for r in PAGE_ROUTES if re.search(r"<(id|int):", r)]


def test_the_id_walk_covers_the_dashboards():
    assert "/dashboards/teams/<id:team_id>/export.csv" in ID_ROUTES


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_too_large_for_the_database_is_not_found(route, ids, client, manager, clinician):
    user = manager if route.startswith("/dashboards/") else clinician
    client.force_login(user)
    client.raise_request_exception = False
    url = fill_page(re.sub(r"<(?:id|int):\w+>", HUGE_ID, route), ids)

    response = answer(lambda: client.get(url))

    assert response.status_code == 404, url
