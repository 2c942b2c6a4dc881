"""The access matrix, generated from the OpenAPI schema and the URL configuration, so that a new
route cannot escape it: for every route with an id and every method, a caller outside the
record's role gets 404 (records never leak), a wrong role on a page 403, and no one signed in 401
(API) or the sign-in page (pages). Account pages, which name no record, are listed by hand below,
and a test fails when one is left off the list."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from assessments.services import goal_create
from tests.api.conftest import client_for
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db
METHODS = ["get", "post", "put", "patch", "delete"]
PUBLIC = {"/api/v1/auth/token/", "/api/v1/schema/", "/api/v1/docs/"}


def api_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(schema["paths"])


# Routes whose parameter names no record: a Questionnaire is named by an instrument's code (any
# signed-in user reads it); a comparison by a quarter, and it holds only the caller's own teams
# (who may read it, and the 403 and 404 of everyone else, are tests/api/test_comparisons.py).
NOT_RECORDS = ("/fhir/Questionnaire/", "/api/v1/comparisons/")


def routes_with_ids() -> list[str]:
    return [p for p in api_paths() if "{" in p and not any(n in p for n in NOT_RECORDS)]


@pytest.fixture
def records(patient, other_patient, team, other_team):
    """Ids of team A's records, which callers from elsewhere must never reach."""
    goal = goal_create(
        patient=patient, description="Walk", domain="H", baseline_on=dt.date(2026, 1, 5)
    )
    return {
        "patient_id": patient.pk,
        "goal_id": goal.pk,
        "team_id": team.pk,
        "period": "2026Q1",
        "loinc": "59261-8",
        "code": "PHQ2",
    }


def fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_the_schema_lists_every_api_route_that_takes_an_id():
    assert len(routes_with_ids()) >= 15


@pytest.mark.parametrize("path", routes_with_ids())
@pytest.mark.parametrize("caller", ["other_clinician", "other_patient", "manager_elsewhere"])
def test_a_caller_outside_the_records_role_gets_404_for_every_method(
    path, caller, records, other_clinician, other_patient, other_team
):
    from patients.models import Membership, User
    from tests.factories import MembershipFactory, UserFactory

    if caller == "manager_elsewhere":
        user = UserFactory(username="elsewhere", role=User.Role.MANAGER)
        MembershipFactory(user=user, team=other_team, role=Membership.Role.MANAGER)
    else:
        user = other_clinician if caller == "other_clinician" else other_patient.user
    client = client_for(user)
    url = fill(path, records)
    got = {m: getattr(client, m)(url, {}, format="json").status_code for m in METHODS}
    assert got == dict.fromkeys(METHODS, 404), url


# A team's own manager may read its summaries, so the team routes are left out here.
@pytest.mark.parametrize("path", [p for p in routes_with_ids() if "{team_id}" not in p])
def test_a_manager_of_the_team_still_cannot_reach_patient_records(path, records, manager):
    client = client_for(manager)
    url = fill(path, records)
    got = {m: getattr(client, m)(url, {}, format="json").status_code for m in METHODS}
    assert got == dict.fromkeys(METHODS, 404), url


@pytest.mark.parametrize("path", [p for p in api_paths() if p not in PUBLIC])
def test_no_one_signed_in_gets_401_from_every_api_route(path, records):
    client = APIClient()
    url = fill(path, records)
    got = {m: getattr(client, m)(url, {}, format="json").status_code for m in METHODS}
    assert got == dict.fromkeys(METHODS, 401), url


def page_routes() -> list[str]:
    """Every HTML route with a record id, from the URL configuration."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith(("api/", "admin/")):
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" in route and "token" not in route:
                # Token links (password reset, invitations) are public by design: the token is
                # the credential, and a wrong one only says the link is not valid.
                found.append("/" + route)

    walk(get_resolver().url_patterns)
    return sorted(found)


def fill_page(route: str, ids: dict) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        return str(ids.get(name, ids["patient_id"]))

    return re.sub(r"<([^>]+)>", value, route)


@pytest.mark.parametrize("route", page_routes())
@pytest.mark.parametrize("caller", ["other_clinician", "other_patient", "manager", "anonymous"])
def test_pages_about_a_record_refuse_everyone_outside_its_role(
    route, caller, client, records, other_clinician, other_patient, manager
):
    ids = {**records, "condition_id": 1, "encounter_id": 1, "uidb64": "x", "token": "x"}
    url = fill_page(route, ids)
    user = {
        "other_clinician": other_clinician,
        "other_patient": other_patient.user,
        "manager": manager,
    }.get(caller)
    if caller == "manager" and "team_id" in route:  # team A's own manager may read its pages
        from patients.models import Membership, User
        from tests.factories import MembershipFactory, TeamFactory, UserFactory

        user = UserFactory(username="elsewhere", role=User.Role.MANAGER)
        MembershipFactory(user=user, team=TeamFactory(), role=Membership.Role.MANAGER)
    if user:
        client.force_login(user)
    statuses = {client.get(url).status_code, client.post(url, {}).status_code}
    if caller == "anonymous":
        assert statuses <= {302, 404, 405}, url
    else:
        assert statuses <= {403, 404, 405}, url


# --- Account pages: they name no record, so the generator above does not reach them -------------

STAFF = {"clinician", "manager", "admin"}
API_USERS = {"clinician", "patient", "manager"}
ACCOUNT_PAGES = {  # URL name: the roles whose page it is
    "account": STAFF,
    "two_step": STAFF,
    "two_step_verify": STAFF,
    "two_step_recovery": STAFF,
    "two_step_recovery_codes": STAFF,
    "api_tokens": API_USERS,
    "api_token_revoke": API_USERS,
}
# Signing in and out, password resets and the e-mailed set-up link (its token is the credential).
PUBLIC_ACCOUNT_PAGES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "two_step_enrol",
}


def account_page_names() -> set[str]:
    found = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith(("api/", "admin/")):
                    walk(p.url_patterns, route)
            elif route.startswith("accounts/"):
                found.add(p.name)

    walk(get_resolver().url_patterns)
    return found


def test_every_account_page_is_in_the_matrix():
    assert account_page_names() == set(ACCOUNT_PAGES) | PUBLIC_ACCOUNT_PAGES


@pytest.mark.parametrize("name", sorted(ACCOUNT_PAGES))
@pytest.mark.parametrize("caller", ["clinician", "patient", "manager", "admin", "anonymous"])
def test_account_pages_open_to_their_roles_only(
    name, caller, client, clinician, patient, manager, admin_user
):
    url = reverse(name)
    user = {
        "clinician": clinician,
        "patient": patient.user,
        "manager": manager,
        "admin": admin_user,
    }.get(caller)
    if caller == "admin":
        sign_in_with_code(client, admin_user)
    elif user:
        client.force_login(user)
    got = client.get(url), client.post(url, {})
    statuses = {response.status_code for response in got}
    if caller == "anonymous":
        assert statuses == {302}, url
        assert all(r["Location"].startswith(reverse("login") + "?next=") for r in got), url
    elif caller in ACCOUNT_PAGES[name]:
        assert got[0].status_code in {200, 302, 405}, (url, got[0].status_code)
    else:
        assert statuses <= {403, 404, 405}, (url, statuses)
        assert statuses & {403, 404}, (url, statuses)
