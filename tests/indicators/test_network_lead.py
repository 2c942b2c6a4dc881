"""The network lead: a set of teams' aggregates, like a manager, and never a patient's record."""

import pytest
from django.urls import reverse

from indicators.patient_summaries import summaries_rebuild_all
from patients.models import Membership, User
from patients.selectors import TEAM_SUMMARY_READERS, patients_visible_to, teams_for_user
from tests.api.conftest import client_for
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.indicators.test_dashboard_pages import LATER, TEAM_PAGES, cohort, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_lead(team, other_team):
    """A network lead of both teams."""
    user = UserFactory(username="lead", role=User.Role.NETWORK_LEAD)
    for each in (team, other_team):
        MembershipFactory(user=user, team=each, role=Membership.Role.NETWORK_LEAD)
    return user


def test_a_network_lead_reads_summaries_of_their_teams_only(network_lead, team, other_team):
    TeamFactory(name="Elsewhere")

    teams = teams_for_user(user=network_lead, roles=TEAM_SUMMARY_READERS)

    assert sorted(t.name for t in teams) == ["Hillside Practice", "Riverside Practice"]
    assert network_lead.is_network_lead
    assert not network_lead.is_manager


def test_a_network_lead_lands_on_the_dashboards(client, network_lead):
    response = client.post(
        reverse("login"), {"username": "lead", "password": PASSWORD}, follow=True
    )

    assert [u for u, _ in response.redirect_chain] == [
        reverse("home"),
        reverse("dashboards:index"),
    ]
    assert [t.name for t in response.context["teams"]] == [
        "Hillside Practice",
        "Riverside Practice",
    ]


def test_a_network_lead_sees_the_teams_dashboards_but_no_clinicians_caseloads(
    client, team, other_team, clinician, network_lead
):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    outsider_team = TeamFactory(name="Elsewhere")
    client.force_login(network_lead)

    for name in [*TEAM_PAGES, "team_export"]:
        assert client.get(url(name, team)).status_code == 200, name
    assert client.get(url("team_overview", other_team)).status_code == 200
    assert client.get(url("team_overview", outsider_team)).status_code == 404
    assert client.get(url("team_caseloads", team)).status_code == 403
    assert client.get(url("my_caseload")).status_code == 403


def test_the_account_page_lists_the_network_leads_teams(client, network_lead):
    client.force_login(network_lead)

    page = client.get(reverse("account"))

    assert page.status_code == 200
    assert [t.name for t in page.context["teams"]] == ["Hillside Practice", "Riverside Practice"]
    assert "Network lead" in page.content.decode()


def test_a_network_lead_never_reaches_a_patients_record(client, network_lead, patient):
    client.force_login(network_lead)

    assert not patients_visible_to(user=network_lead).exists()
    assert client.get(reverse("clinic:caseload")).status_code == 403
    assert client.get(reverse("clinic:patient", args=[patient.pk])).status_code in (403, 404)
    api = client_for(network_lead)
    assert api.get("/api/v1/patients/").status_code == 403
    assert api.get(f"/api/v1/patients/{patient.pk}/").status_code == 404
    assert api.get(f"/api/v1/patients/{patient.pk}/summaries/").status_code == 404


def test_a_network_lead_reads_the_team_summary_through_the_api(
    team, other_team, clinician, network_lead
):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    outsider_team = TeamFactory(name="Elsewhere")
    api = client_for(network_lead)

    response = api.get(f"/api/v1/teams/{team.pk}/summaries/{LATER}/")

    assert response.status_code == 200
    assert response.json()["patients"] == 5
    assert api.get(f"/api/v1/teams/{outsider_team.pk}/summaries/{LATER}/").status_code == 404
