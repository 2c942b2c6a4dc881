"""GET /api/v1/comparisons/{period}/ and the comparison CSV: the caller's teams only."""

import csv
import io

import pytest
from django.urls import reverse

from indicators.comparison import NOT_SHOWN
from indicators.comparisons import comparison_run_compute
from indicators.models import TeamComparison
from patients.models import AuditEvent, Membership, User
from tests.api.conftest import client_for
from tests.support.comparisons import PERIOD, comparison_installation, someone

pytestmark = pytest.mark.django_db

FIGURES = ["mean_change", "improved_share", "patient_initiated_share"]


@pytest.fixture
def installation():
    teams = comparison_installation()
    comparison_run_compute(PERIOD)
    return teams


def url(period: str = PERIOD) -> str:
    return f"/api/v1/comparisons/{period}/"


def test_a_network_lead_gets_their_teams_alphabetically_with_the_method(installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["cedar"], installation["alder"])

    answer = client_for(lead).get(url())

    assert answer.status_code == 200
    body = answer.json()
    assert body["period"] == PERIOD
    assert [t["name"] for t in body["teams"]] == ["Alder", "Cedar"]
    alder = body["teams"][0]
    assert alder["team"] == installation["alder"].pk
    assert sorted(alder["figures"]) == sorted(FIGURES)
    stored = TeamComparison.objects.get(team=installation["alder"], figure="mean_change")
    figure = alder["figures"]["mean_change"]
    assert figure["shown"] is True
    assert figure["n"] == 16
    assert figure["observed"] == pytest.approx(stored.observed)
    assert figure["expected"] == pytest.approx(stored.expected)
    assert figure["adjusted"] == pytest.approx(stored.adjusted)
    assert figure["limits"] == {
        "lower_95": pytest.approx(stored.lower_95),
        "upper_95": pytest.approx(stored.upper_95),
        "lower_998": pytest.approx(stored.lower_998),
        "upper_998": pytest.approx(stored.upper_998),
    }
    assert figure["position"] == stored.position
    assert figure["caveats"]["coverage_median"] == pytest.approx(stored.coverage_median)
    assert figure["caveats"]["few_patients"] is True
    cedar = body["teams"][1]["figures"]["improved_share"]
    assert cedar["shown"] is False
    assert cedar["position"] == NOT_SHOWN
    assert cedar["n"] is None
    assert cedar["observed"] is None
    method = body["method"]["mean_change"]
    assert method["fitted"] is True
    assert method["kind"] == "mean"
    assert method["sentence"].startswith("Limits")
    assert "intercept" in method["coefficients"]
    assert method["sigma"] > 0
    assert body["method"]["improved_share"]["sigma"] is None
    assert "r_squared" in method["statistics"]


def test_a_manager_gets_only_their_own_team(installation, team):
    manager = someone(User.Role.MANAGER, installation["birch"])

    body = client_for(manager).get(url()).json()

    assert [t["name"] for t in body["teams"]] == ["Birch"]
    assert body["teams"][0]["figures"]["mean_change"]["n"] == 11


@pytest.mark.parametrize("role", [User.Role.CLINICIAN, User.Role.PATIENT, User.Role.ADMIN])
def test_other_roles_are_refused(installation, role):
    user = someone(role) if role != User.Role.CLINICIAN else someone(role, installation["alder"])

    assert client_for(user).get(url()).status_code == 403


def test_anonymous_is_refused(installation, client):
    assert client.get(url()).status_code in (401, 403)


def test_no_run_for_the_quarter_is_404(installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])

    assert client_for(lead).get(url("2024Q1")).status_code == 404


@pytest.mark.parametrize("period", ["2025-4", "2025Q5", "1800Q1", "q"])
def test_a_malformed_period_is_400_naming_the_field(installation, period):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])

    answer = client_for(lead).get(url(period))

    assert answer.status_code == 400
    assert answer.json() == {"period": ["period must look like 2026Q3"]}


def csv_url(period: str = PERIOD) -> str:
    return reverse("dashboards:comparison_export", args=[period])


def test_the_csv_lists_the_users_teams_and_figures_and_is_audited(installation, client):
    lead = someone(User.Role.NETWORK_LEAD, installation["birch"], installation["cedar"])
    client.force_login(lead)

    response = client.get(csv_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["team"], r["figure"]) for r in rows] == [
        (name, figure) for name in ("Birch", "Cedar") for figure in FIGURES
    ]
    stored = TeamComparison.objects.get(team=installation["birch"], figure="improved_share")
    birch = rows[1]
    assert birch["quarter"] == PERIOD
    assert birch["shown"] == "yes"
    assert birch["n"] == str(stored.n)
    assert birch["adjusted"] == f"{stored.adjusted:.4f}"
    assert birch["upper_998"] == f"{stored.upper_998:.4f}"
    assert birch["position"] == stored.position
    assert birch["method"].startswith("Limits")
    assert rows[3]["shown"] == "no"
    assert rows[3]["position"] == NOT_SHOWN
    assert rows[3]["observed"] == ""
    event = AuditEvent.objects.get(action="export")
    assert event.what == f"team comparison CSV {PERIOD}"


def test_the_csv_is_refused_to_clinicians_and_patients(installation, client, patient):
    clinician = someone(User.Role.CLINICIAN, installation["alder"])
    client.force_login(clinician)
    assert client.get(csv_url()).status_code == 403
    client.force_login(patient.user)
    assert client.get(csv_url()).status_code == 403


def test_the_csv_of_a_quarter_without_a_run_or_malformed_is_404(installation, client):
    manager = someone(User.Role.MANAGER, installation["alder"])
    client.force_login(manager)

    assert client.get(csv_url("2024Q1")).status_code == 404
    assert client.get(csv_url("2024Q9")).status_code == 404
    assert client.get(csv_url()).status_code == 200


def test_the_schema_documents_the_route(installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])
    schema = client_for(lead).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code != 200:
        pytest.fail(f"schema route answered {schema.status_code}")
    assert "/api/v1/comparisons/{period}/" in schema.content.decode()


def test_membership_role_values_match_user_roles():
    assert Membership.Role.NETWORK_LEAD == User.Role.NETWORK_LEAD
