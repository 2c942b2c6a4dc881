"""Data minimisation (issue 8): nothing a service manager can reach carries identifiers or free
text. A team's patients are given identifying data and free text, each a unique sentinel, through
the real services; then every GET operation of the API schema and every page of the URL
configuration (and every link the dashboards offer) is called as the team's manager, and no
sentinel, birth year or identifying key may come back. The clinician sees the same sentinels on
the record, so the test cannot pass by planting nothing."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from assessments.encounters import feedback_record
from assessments.services import (
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
    reading_record,
    target_set,
)
from indicators.models import TeamSummary
from indicators.services import summaries_rebuild_all
from patients.invitations import invitation_accept, invitation_create
from patients.models import ContextEvent, Membership, User
from patients.services import (
    agenda_write,
    appointment_book,
    condition_record,
    context_event_record,
    encounter_record,
    patient_create,
)
from tests.api.conftest import client_for
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory
from tests.security.test_access_matrix import fill, fill_page

pytestmark = pytest.mark.django_db

PATIENTS = 15  # enough that every direction has 5 and no suppression hides the whole team
BEFORE, AFTER = dt.date(2026, 5, 12), dt.date(2026, 8, 12)
AFTER_PERIOD = "2026Q3"
SHARED_ITEM = "Playing with my grandchildren"  # held by 6 patients: named, as designed
HOLD_SHARED_ITEM = 6
DIRECTIONS = [(3, 8), (5, 5), (8, 3)]  # before/after ratings: improved, stable, declined

# Keys and schema properties that would name a patient or carry what someone wrote.
IDENTIFYING = {
    "display_name",
    "name",
    "first_name",
    "last_name",
    "full_name",
    "username",
    "email",
    "nhs_number",
    "birth_year",
    "date_of_birth",
    "patient",
    "patient_id",
    "patient_ids",
}
FREE_TEXT = {
    "note",
    "notes",
    "description",
    "expected_outcome",
    "text",
    "comment",
    "comments",
    "label",
    "reason",
    "going_well",
    "hard",
    "questions",
    "agenda",
    # Not "change": an agenda's field, but also the summary's numeric change of index.
}
FORBIDDEN = IDENTIFYING | FREE_TEXT

# Legitimately present where a manager reads them, and why.
ALLOWED_PROPERTIES = {
    # The success framework's wording, written by an administrator, the same for every patient.
    ("FrameworkDomainOutput", "name"),
    ("FrameworkDomainOutput", "plain_name"),
    ("FrameworkElementOutput", "label"),
    ("FrameworkElementOutput", "plain_label"),
    # A personal item's wording shared by 5 or more patients of the group (see ALLOWED_KEYS).
    ("CommonItem", "label"),
    # The published wording of the validated instruments, the same for every patient.
    ("InstrumentOutput", "name"),
    ("InstrumentItemOutput", "text"),
    ("InstrumentOptionOutput", "label"),
}
ALLOWED_KEYS = {
    "/api/v1/framework/": {
        "domains[].name",
        "domains[].plain_name",
        "domains[].elements[].label",
        "domains[].elements[].plain_label",
    },
    # A personal item's wording is named only when 5 or more patients share it, the ten most
    # common (indicators/figures.py priority_figures); a wording one patient wrote never is, which
    # the sentinels check.
    "/api/v1/teams/{team_id}/summaries/{period}/": {"priorities.common_items[].label"},
    # The published wording of the validated instruments (assessments/instruments).
    "/api/v1/instruments/": {"[].name", "[].items[].text", "[].items[].options[].label"},
}

PAGES_NOT_WALKED = ("/admin/", "/api/", "/static/", "/accounts/logout/")
CRAWL_LIMIT = 400
SENTINEL = re.compile(r"sentinel[\w@.+-]*", re.IGNORECASE)


@dataclass
class Cohort:
    team: object
    patients: list
    sentinels: dict[str, dict[int, str]] = field(default_factory=dict)  # kind → patient → text
    birth_years: list[int] = field(default_factory=list)
    ids: dict = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)

    def of(self, n: int) -> dict[str, str]:
        """The sentinels of the nth patient, by kind."""
        return {kind: values[n] for kind, values in self.sentinels.items() if n in values}


def plant(cohort: Cohort, kind: str, n: int, text: str | None = None) -> str:
    value = text or f"SENTINEL-{kind}-{n:02d}-7f3a"
    cohort.sentinels.setdefault(kind, {})[n] = value
    return value


@pytest.fixture
def cohort(team, clinician, manager):
    """A team of 15 patients with every kind of identifying data and free text, summarised."""
    colleague = UserFactory(username="colleague", role=User.Role.CLINICIAN)
    MembershipFactory(user=colleague, team=team, role=Membership.Role.CLINICIAN)
    found = Cohort(team=team, patients=[])
    kinds = ContextEvent.Kind.values
    for n in range(PATIENTS):
        seen_by = clinician if n % 2 == 0 else colleague
        found.birth_years.append(1921 + n)
        person = patient_create(
            display_name=plant(found, "NAME", n), birth_year=1921 + n, teams=[team]
        )
        invitation, _ = invitation_create(
            patient=person,
            created_by=seen_by,
            email=plant(found, "MAIL", n, f"sentinel-mail-{n:02d}@example.org"),
        )
        login = invitation_accept(
            invitation=invitation,
            password=PASSWORD,
            username=plant(found, "USER", n, f"sentinel-user-{n:02d}"),
            email=f"sentinel-mail-{n:02d}@example.org",
        )
        condition_record(patient=person, snomed_code="44054006", onset=dt.date(2019, 3, 1))
        encounter_record(
            patient=person,
            clinician=seen_by,
            occurred_at=dt.datetime(2026, 5, 12, 10, tzinfo=dt.UTC),
            mode="face_to_face",
            initiated_by="service",
            duration_minutes=20,
            strategies=["goal_setting"],
            note=plant(found, "NOTE-EARLIER", n),
        )
        later = encounter_record(
            patient=person,
            clinician=seen_by,
            occurred_at=dt.datetime(2026, 8, 12, 10, tzinfo=dt.UTC),
            mode="phone",
            initiated_by="patient" if n < 10 else "service",
            duration_minutes=15,
            note=plant(found, "NOTE", n),
        )
        item = personal_item_create(patient=person, label=plant(found, "ITEM", n), domain="H")
        points = {"H1": 3, "M2": 3, "R1": 2, item.key: 2}
        if n < HOLD_SHARED_ITEM:
            points[personal_item_create(patient=person, label=SHARED_ITEM, domain="H").key] = 2
        priorities_set(patient=person, effective_from=BEFORE, points=points)
        before, after = DIRECTIONS[n % 3]
        for key in ("H1", "M2", "R1", item.key):
            rating_record(
                patient=person, element=key, value=before, rated_on=BEFORE, rater="patient"
            )
            rating_record(patient=person, element=key, value=after, rated_on=AFTER, rater="patient")
        rating_record(
            patient=person,
            element="H1",
            value=6,
            rated_on=AFTER,
            rater="clinician",
            entered_by=seen_by,
            encounter=later,
        )
        goal = goal_create(
            patient=person,
            description=plant(found, "GOAL", n),
            expected_outcome=plant(found, "OUTCOME", n),
            domain="M",
            baseline_on=BEFORE,
            created_by=seen_by,
        )
        goal_review_record(goal=goal, attainment=n % 5 - 2, reviewed_on=AFTER, reviewed_by=seen_by)
        reading_record(
            patient=person, loinc="59261-8", value=45 + n, unit="mmol/mol", taken_on=AFTER
        )
        if n % 3 == 0:
            target_set(
                patient=person, loinc="8480-6", relevant=False, reason=plant(found, "REASON", n)
            )
        target_set(patient=person, loinc="59261-8", low=40, high=55, set_by=seen_by)
        context_event_record(
            patient=person,
            kind=kinds[n % len(kinds)],
            occurred_on=AFTER,
            note=plant(found, "CONTEXT", n),
            recorded_by=seen_by,
            visible_to_patient=n % 2 == 0,
        )
        appointment = appointment_book(
            patient=person, clinician=seen_by, starts_at=timezone.now() + dt.timedelta(days=3)
        )
        agenda_write(
            patient=person,
            appointment=appointment,
            going_well=plant(found, "AGENDA-WELL", n),
            hard=plant(found, "AGENDA-HARD", n),
            change=plant(found, "AGENDA-CHANGE", n),
            questions=plant(found, "AGENDA-QUESTIONS", n),
        )
        feedback_record(
            patient=person, encounter=later, answers={"R1": 8, "R4": 7}, entered_by=login
        )
        found.patients.append(person)
    summaries_rebuild_all()
    found.periods = sorted(TeamSummary.objects.filter(team=team).values_list("period", flat=True))
    first = found.patients[0]
    found.ids = {
        "patient_id": first.pk,
        "goal_id": first.goals.first().pk,
        "condition_id": first.conditions.first().pk,
        "encounter_id": first.encounters.first().pk,
        "team_id": team.pk,
        "period": AFTER_PERIOD,
        "loinc": "59261-8",
        "code": "PHQ2",
        "key": "H1",
        "uidb64": "x",
        "token": "x",
    }
    return found


# --- What a body must not carry ------------------------------------------------------------


def leaks_in(body: str, cohort: Cohort) -> list[str]:
    """The sentinels and birth years found in a response body."""
    found = sorted({m.group(0) for m in SENTINEL.finditer(body)})
    found += [
        f"birth year {year}"
        for year in cohort.birth_years
        if re.search(rf"(?<![\d.]){year}(?![\d.])", body)
    ]
    return found


def key_paths(data, prefix: str = ""):
    """Every key of a JSON document, as a dotted path with [] for list items."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield str(key), path
            yield from key_paths(value, path)
    elif isinstance(data, list):
        for value in data:
            yield from key_paths(value, f"{prefix}[]")


def forbidden_keys(data, route: str) -> list[str]:
    allowed = ALLOWED_KEYS.get(route, set())
    return sorted({p for k, p in key_paths(data) if k in FORBIDDEN and p not in allowed})


# --- The API schema --------------------------------------------------------------------------


def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def get_operations(schema: dict) -> list[tuple[str, dict]]:
    return sorted((path, item["get"]) for path, item in schema["paths"].items() if "get" in item)


def response_properties(operation: dict, components: dict) -> set[tuple[str, str]]:
    """(component, property) of every object reachable from the operation's 200 response."""
    found: set[tuple[str, str]] = set()
    seen: set[str] = set()

    def walk(node, where: str) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(components[name], name)
            return
        for prop, sub in node.get("properties", {}).items():
            found.add((where, prop))
            walk(sub, where)
        for key in ("items", "additionalProperties", "not"):
            walk(node.get(key), where)
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(key, []):
                walk(sub, where)

    for media in operation.get("responses", {}).get("200", {}).get("content", {}).values():
        walk(media.get("schema"), operation.get("operationId", "inline"))
    return found


def schema_names_patient_data(operation: dict, components: dict) -> set[tuple[str, str]]:
    return {
        (where, prop)
        for where, prop in response_properties(operation, components)
        if prop in FORBIDDEN and (where, prop) not in ALLOWED_PROPERTIES
    }


def urls_for(route: str, cohort: Cohort) -> list[str]:
    """The route filled with the cohort's ids, once per stored quarter where it takes one."""
    if "{period}" in route:
        return [fill(route, {**cohort.ids, "period": p}) for p in cohort.periods]
    return [fill(route, cohort.ids)]


@dataclass
class ApiWalk:
    statuses: dict[str, int] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)  # routes that answered 200
    leaks: dict[str, list[str]] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)


def walk_api(client, cohort: Cohort, schema: dict) -> ApiWalk:
    walk = ApiWalk()
    for route, _ in get_operations(schema):
        for url in urls_for(route, cohort):
            response = client.get(url)
            walk.statuses[url] = response.status_code
            body = walk.bodies[url] = response.content.decode()
            problems = leaks_in(body, cohort)
            if response.status_code == 200:
                walk.reached.add(route)
                if response["Content-Type"].startswith("application/json"):
                    problems += forbidden_keys(response.json(), route)
            if problems:
                walk.leaks[url] = problems
    return walk


def test_no_api_operation_the_manager_reaches_carries_patient_data(cohort, manager):
    schema = api_schema()

    walk = walk_api(client_for(manager), cohort, schema)

    assert walk.leaks == {}
    assert {"/api/v1/framework/", "/api/v1/teams/{team_id}/summaries/{period}/"} <= walk.reached
    assert len(get_operations(schema)) >= 15
    assert len(walk.statuses) >= 20  # every GET operation; the quarterly ones once per quarter
    # What the manager cannot reach, they cannot learn exists either (README, "Who sees what").
    scoped = {url: status for url, status in walk.statuses.items() if "/patients/" in url}
    scoped.pop("/api/v1/patients/")  # the list is refused by role: 403, and names no one
    assert len(scoped) >= 12
    assert scoped == dict.fromkeys(scoped, 404)
    assert walk.statuses["/api/v1/patients/"] == 403


def test_no_response_schema_the_manager_reaches_names_an_identifier_or_free_text(cohort, manager):
    schema = api_schema()
    components = schema["components"]["schemas"]
    walk = walk_api(client_for(manager), cohort, schema)
    operations = dict(get_operations(schema))

    named = {r: schema_names_patient_data(operations[r], components) for r in walk.reached}
    documented = set().union(
        *(response_properties(operations[r], components) for r in walk.reached)
    )

    assert {r: n for r, n in named.items() if n} == {}
    assert len(documented) >= 20  # the team summary and the framework, property by property
    # The walk can tell: the operations that do name patient data are the ones refused.
    naming = [r for r, op in operations.items() if schema_names_patient_data(op, components)]
    assert len(naming) >= 5
    assert not set(naming) & walk.reached


def undocumented(data, node, components: dict, path: str = "") -> list[str]:
    """Keys of a response its schema does not declare, walking the data and the schema together
    (a key a schema does not name is one a review of the schema could not catch)."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        return undocumented(data, components[node["$ref"].rsplit("/", 1)[-1]], components, path)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            if sub.get("type") != "null" and data is not None:
                return undocumented(data, sub, components, path)
    found = []
    if isinstance(data, dict) and "properties" in node:
        properties = node["properties"]
        found += [f"{path}.{k}" for k in data if k not in properties]
        for key, value in data.items():
            found += undocumented(value, properties.get(key), components, f"{path}.{key}")
    elif isinstance(data, dict) and isinstance(node.get("additionalProperties"), dict):
        for key, value in data.items():
            found += undocumented(value, node["additionalProperties"], components, f"{path}.{key}")
    elif isinstance(data, list):
        for value in data:
            found += undocumented(value, node.get("items"), components, f"{path}[]")
    return found


def test_every_key_the_manager_receives_is_in_the_schema(cohort, manager):
    schema = api_schema()
    components = schema["components"]["schemas"]
    client = client_for(manager)
    operations = dict(get_operations(schema))
    checked = 0

    for route in walk_api(client, cohort, schema).reached:
        if "application/json" not in operations[route]["responses"]["200"]["content"]:
            continue  # a FHIR resource (application/fhir+json), whose shape FHIR R4 defines
        body_schema = operations[route]["responses"]["200"]["content"]["application/json"]
        for url in urls_for(route, cohort):
            data = client.get(url).json()
            assert undocumented(data, body_schema["schema"], components) == [], url
            checked += 1

    assert checked >= 4
    summary = client.get(urls_for("/api/v1/teams/{team_id}/summaries/{period}/", cohort)[-1])
    assert summary.json()["priorities"]["common_items"]  # the deepest part was really walked


# --- The pages -------------------------------------------------------------------------------


def every_page_route() -> list[str]:
    """Every HTML route of the URL configuration, outside the admin site and the API."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(("api/", "admin/")):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append("/" + route)

    walk(get_resolver().url_patterns)
    return sorted(found)


LINK = re.compile(r"""\bhref=["']([^"'#]+)""")
FORM = re.compile(r"""<form\b[^>]*method=["']get["'][^>]*>(.*?)</form>""", re.S | re.I)
OPTION = re.compile(r"""<option\b[^>]*value=["']([^"']*)["']""")
SELECT = re.compile(r"""<select\b[^>]*name=["']([^"']+)["']""")


def links_on(page: str, path: str) -> list[str]:
    """The local links of a page, and each choice of its GET forms (the quarter picker)."""
    found = [html.unescape(href) for href in LINK.findall(page)]
    for form in FORM.findall(page):
        names = SELECT.findall(form)
        if names:
            found += [f"{path}?{names[0]}={value}" for value in OPTION.findall(form)]
    return [
        link
        for link in found
        if link.startswith("/")
        and not link.startswith("//")
        and not link.startswith(PAGES_NOT_WALKED)
    ]


@dataclass
class PageWalk:
    statuses: dict[str, int] = field(default_factory=dict)
    leaks: dict[str, list[str]] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)

    @property
    def reached(self) -> list[str]:
        return sorted(url for url, status in self.statuses.items() if status == 200)


def walk_pages(client, cohort: Cohort) -> PageWalk:
    """Every page of the URL configuration, then every link and redirect they lead to."""
    walk = PageWalk()
    start = [fill_page(r, cohort.ids) for r in every_page_route()]
    queue = deque(url for url in start if not url.startswith(PAGES_NOT_WALKED))
    while queue and len(walk.statuses) < CRAWL_LIMIT:
        url = queue.popleft()
        if url in walk.statuses:
            continue
        response = client.get(url)
        walk.statuses[url] = response.status_code
        content = b"".join(response) if response.streaming else response.content
        body = walk.bodies[url] = content.decode(errors="replace")
        if problems := leaks_in(body, cohort):
            walk.leaks[url] = problems
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.append(response["Location"])
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue.extend(links_on(body, urlsplit(url).path))
    return walk


def test_no_page_the_manager_reaches_carries_patient_data(cohort, manager, client):
    client.force_login(manager)

    walk = walk_pages(client, cohort)

    assert walk.leaks == {}
    team = f"/dashboards/teams/{cohort.team.pk}/"
    expected = {"/dashboards/", f"{team}export.csv"} | {
        f"{team}{page}?period={period}"
        for page in ("", "trends/", "what-matters/", "context/", "caseloads/", "export.csv")
        for period in cohort.periods
    }
    assert expected <= set(walk.reached)
    assert len(walk.reached) >= 20
    assert len(walk.statuses) < CRAWL_LIMIT  # the walk ended; it was not cut short
    # Shared by 6 patients, a personal item's wording is named (as designed); no one's own is.
    assert SHARED_ITEM in walk.bodies[f"{team}what-matters/?period={AFTER_PERIOD}"]
    # Patient records stay closed to the manager, whatever the walk found (405: a form's
    # POST-only handler, which answers before it reads anything).
    assert all(
        status in (403, 404, 405)
        for url, status in walk.statuses.items()
        if url.startswith(("/clinic/patients/", "/me/"))
    )


# --- The test is not vacuous --------------------------------------------------------------


def test_the_same_checks_find_the_sentinels_in_what_the_clinician_sees(cohort, clinician, client):
    client.force_login(clinician)
    first = cohort.patients[0]
    record = f"/clinic/patients/{first.pk}/"

    walk = walk_api(client_for(clinician), cohort, api_schema())
    page = client.get(record).content.decode()

    seen = "\n".join([page, *walk.bodies.values()])
    # The patient's email address is theirs alone: not even their clinician sees it.
    assert {kind: s for kind, s in cohort.of(0).items() if s not in seen} == {
        "MAIL": cohort.of(0)["MAIL"]
    }
    assert f"birth year {first.birth_year}" in leaks_in(page, cohort)
    patient = fill("/api/v1/patients/{patient_id}/", cohort.ids)
    assert {"display_name", "birth_year", cohort.of(0)["NAME"]} <= set(walk.leaks[patient])
    assert (
        "results[].note"
        in walk.leaks[fill("/api/v1/patients/{patient_id}/encounters/", cohort.ids)]
    )
    assert sum(len(v) for v in cohort.sentinels.values()) >= PATIENTS * 12
