"""Every page that lists or sums many patients makes as many queries for a caseload of 5,000 as
for one of 50: the caseload, a record in a big caseload, the team dashboards, the CSV export and
the API's lists.

Three teams are built once for the module, each with its own clinician and manager: one of
``FEW`` patients (fewer than a page of any list), one of ``SMALL`` and one of ``LARGE``, every
patient of the same few shapes (``tests.support.caseloads``), and their summaries computed. Each
page is then opened by the same role in each team and the queries are counted: the counts must be
equal, not merely under a bound. A query per patient shows between 50 and 5,000; a query per row
shown between 5 and 50, where the lists are a full page long against a few rows.

Why 5,000: it is the caseload the issue names, and the largest that builds within about 15 s on
SQLite (bulk inserts of about 20 rows per patient, then a full summary rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.views.workspace import CASELOAD_PAGE
from indicators.models import TeamSummary
from indicators.services import summaries_rebuild_all
from patients.models import Membership, Patient, Team, User
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.support.api_tokens import api_key_for
from tests.support.caseloads import caseload_add

FEW = 5
SMALL = 50
LARGE = 5000
SIZES = {"few": FEW, "small": SMALL, "large": LARGE}

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class World:
    """One team with its caseload, clinician, manager and a patient whose record is opened."""

    team: Team
    clinician: User
    manager: User
    patient: Patient
    size: int


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """A team of each size, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        today = timezone.localdate()
        built = {}
        for name, size in SIZES.items():
            team = TeamFactory(name=f"The {name} team")
            clinician = UserFactory(username=f"{name}-nurse", role=User.Role.CLINICIAN)
            manager = UserFactory(username=f"{name}-manager", role=User.Role.MANAGER)
            MembershipFactory(user=clinician, team=team, role=Membership.Role.CLINICIAN)
            MembershipFactory(user=manager, team=team, role=Membership.Role.MANAGER)
            ids = caseload_add(team=team, clinician=clinician, count=size, today=today)
            # the first patient of each caseload has the same shape (tests.support.caseloads)
            patient = Patient.objects.get(pk=ids[0])
            built[name] = World(team, clinician, manager, patient, size)
        if connection.vendor == "postgresql":
            # Check the inserts' deferred keys once here, not again at the end of every test, and
            # give the planner statistics of the new rows before anything reads them, as
            # seed_demo does: planned on empty tables, the rebuild takes a minute, not a second.
            connection.check_constraints()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        summaries_rebuild_all()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # and of the summaries the pages read
        yield built
        transaction.set_rollback(True)


def _period() -> str:
    today = timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _page(who: str, name: str, *args: str, **query: str):
    """A page to open: who opens it, and its address in a world."""

    def address(world: World) -> str:
        values = {"team": world.team.pk, "patient": world.patient.pk, "period": _period()}
        path = reverse(name, args=[values[a] for a in args])
        asked = "&".join(f"{k}={values.get(v, v)}" for k, v in query.items())
        return f"{path}?{asked}" if asked else path

    return who, address


PAGES = {
    # the clinician's pages
    "caseload": _page("clinician", "clinic:caseload"),
    "caseload, something new first": _page("clinician", "clinic:caseload", sort="changed"),
    "caseload, last seen": _page("clinician", "clinic:caseload", sort="last_seen"),
    "caseload, next appointment": _page("clinician", "clinic:caseload", sort="next_appointment"),
    "caseload, own priorities": _page("clinician", "clinic:caseload", sort="own_priorities"),
    "caseload, searched": _page("clinician", "clinic:caseload", q="Patient"),
    "caseload, page 2": _page("clinician", "clinic:caseload", page="2"),
    "record": _page("clinician", "clinic:patient", "patient"),
    "encounter form": _page("clinician", "clinic:encounter-new", "patient"),
    "supporting records": _page("clinician", "clinic:records", "patient"),
    "consultation summary": _page("clinician", "clinic:consultation-summary", "patient"),
    "my caseload summary": _page("clinician", "dashboards:my_caseload"),
    "dashboards index": _page("manager", "dashboards:index"),
    # the team's dashboards, as its manager and as one of its clinicians
    "team overview": _page("manager", "dashboards:team_overview", "team"),
    "team overview, clinician": _page("clinician", "dashboards:team_overview", "team"),
    "team trends": _page("manager", "dashboards:team_trends", "team"),
    "team what matters": _page("manager", "dashboards:team_what_matters", "team"),
    "team context": _page("manager", "dashboards:team_context", "team"),
    "team instruments": _page("manager", "dashboards:team_instruments", "team"),
    "team caseloads": _page("manager", "dashboards:team_caseloads", "team"),
    "team CSV export": _page("manager", "dashboards:team_export", "team"),
}

API = {
    "patients": _page("clinician", "api-patients"),
    "patients of a team": _page("clinician", "api-patients", team="team"),
    "patients searched": _page("clinician", "api-patients", search="Patient"),
    "encounters": _page("clinician", "api-encounters", "patient"),
    "conditions": _page("clinician", "api-conditions", "patient"),
    "context events": _page("clinician", "api-context-events", "patient"),
    "summaries": _page("clinician", "api-summaries", "patient"),
    "team summary": _page("manager", "api-team-summary", "team", "period"),
}


def _queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def _page_client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def _api_client(world: World, who: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(getattr(world, who))}")
    return client


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_makes_as_many_queries_for_5000_patients_as_for_50(worlds, page):
    who, address = PAGES[page]
    counts = {}
    for name, world in worlds.items():
        client = _page_client(world, who)
        client.get(address(world))  # the session's first request is not the one counted
        counts[name], _ = _queries(client, address(world))

    assert counts["large"] == counts["small"] == counts["few"], counts


@pytest.mark.parametrize("endpoint", list(API))
def test_an_api_list_makes_as_many_queries_for_5000_patients_as_for_50(worlds, endpoint):
    who, address = API[endpoint]
    counts = {}
    for name, world in worlds.items():
        client = _api_client(world, who)
        client.get(address(world))
        counts[name], _ = _queries(client, address(world))

    assert counts["large"] == counts["small"] == counts["few"], counts


# --- What was counted is what a clinician and a manager of a big caseload see -------------------


def test_the_caseload_of_5000_shows_one_page_of_rows_and_says_how_many(worlds):
    world = worlds["large"]
    client = _page_client(world, "clinician")

    response = client.get(reverse("clinic:caseload"))
    html = response.content.decode()

    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list)) == (LARGE, CASELOAD_PAGE)
    assert html.count('href="/clinic/patients/') == CASELOAD_PAGE
    assert "5,000 patients." in html or "5000 patients." in html
    assert f"Page 1 of {LARGE // CASELOAD_PAGE}" in html


def test_the_team_summary_counted_every_patient_of_each_team(worlds):
    for world in worlds.values():
        summary = TeamSummary.objects.get(team=world.team, period=_period())
        assert summary.figures["patients"] == world.size


def test_the_api_lists_the_first_page_of_the_large_caseload(worlds):
    world = worlds["large"]
    response = _api_client(world, "clinician").get(reverse("api-patients"))

    assert response.data["count"] == LARGE
    assert len(response.data["results"]) == 50


def test_every_shape_of_patient_is_on_the_first_page_of_both_caseloads(worlds):
    """The counted pages show the same mix of rows: new ratings, agendas, life events, flags."""
    mixes = {}
    for name, world in worlds.items():
        response = _page_client(world, "clinician").get(reverse("clinic:caseload"))
        rows = list(response.context["page"])
        mixes[name] = sorted(
            (p.new_ratings, p.agenda_waiting, p.new_context, p.own_priorities, p.pk in flagged)
            for p in rows
            for flagged in [response.context["screened_positive"]]
        )
    assert mixes["large"] == mixes["small"]
    assert {row[1] for row in mixes["large"]} == {True, False}
