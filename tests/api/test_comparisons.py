"""GET /api/v1/comparisons/{period}/ and the comparison CSV: the caller's teams only."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from indicators import comparison as stats
from indicators.comparison import NOT_SHOWN
from indicators.comparison_page import POSITION_WORDS
from indicators.comparisons import comparison_run_compute
from indicators.models import ComparisonRun, TeamComparison
from patients.models import AuditEvent, Membership, User
from tests.api.conftest import client_for
from tests.support.comparisons import (
    PERIOD,
    comparison_installation,
    someone,
    uniform_installation,
)

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


# Every field the method gave before the structured ones were added: none may go.
METHOD_FIELDS = {
    "kind",
    "fitted",
    "target",
    "sigma",
    "phi",
    "tau2",
    "overdispersed",
    "teams_shown",
    "sentence",
    "model",
    "patients",
    "coefficients",
    "standard_errors",
    "statistics",
}
FACTORS = ["baseline_index", "age_band", "conditions", "stage", "context_event", "own_priorities"]


def test_the_method_is_an_english_sentence_and_the_same_in_fields(installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])

    body = client_for(lead).get(url(), HTTP_ACCEPT_LANGUAGE="nl").json()

    run = ComparisonRun.objects.get(period=PERIOD)
    for figure in FIGURES:
        method, stored = body["method"][figure], run.figures[figure]
        assert set(method) >= METHOD_FIELDS
        assert method["sentence"] == stored["method"]
        assert method["sentence"].startswith("Limits")  # English, whatever the language asked
        expected = "random_effects" if stored["overdispersed"] else "none"
        assert method["overdispersion"] == expected
        assert method["phi"] == pytest.approx(stored["phi"])
        assert method["tau2"] == pytest.approx(stored["tau2"])
        assert method["case_mix_adjusted"] is True
        assert method["no_adjustment_reason"] is None
        assert method["limits_method"] == "normal"
        assert method["factors"] + method["dropped_factors"] == [
            f for f in FACTORS if f in method["factors"] + method["dropped_factors"]
        ]
        assert method["dropped"] == stored["fit"]["dropped"]
    mean = body["method"]["mean_change"]
    assert mean["factors"] == FACTORS  # every factor varies in this installation
    assert mean["dropped_factors"] == []
    assert mean["dropped"] == {}


def test_factors_left_out_and_no_adjustment_are_given_in_fields():
    teams = uniform_installation()
    comparison_run_compute(PERIOD)
    lead = someone(User.Role.NETWORK_LEAD, teams["alder"], teams["birch"])

    method = client_for(lead).get(url()).json()["method"]

    mean = method["mean_change"]
    assert mean["case_mix_adjusted"] is True
    assert mean["dropped_factors"] == ["age_band", "stage", "own_priorities"]
    assert mean["dropped"] == {
        "age_band": "constant",
        "stage": "constant",
        "own_priorities": "constant",
    }
    assert mean["factors"] == ["baseline_index", "conditions", "context_event"]
    assert "Left out of the case-mix model: the age band" in mean["sentence"]
    contact = method["patient_initiated_share"]
    assert contact["fitted"] is True
    assert contact["case_mix_adjusted"] is False
    assert contact["no_adjustment_reason"] == "same_outcome"
    assert contact["limits_method"] == "exact_binomial"
    assert contact["factors"] == []
    assert contact["coefficients"] == {}
    assert contact["target"] == 0.0
    assert "No case-mix adjustment was possible" in contact["sentence"]


def test_a_run_stored_before_the_fields_existed_still_gives_them(installation):
    run = ComparisonRun.objects.get(period=PERIOD)
    for stored in run.figures.values():
        for key in ("dropped", "adjusted", "reason", "factors", "dropped_factors"):
            del stored["fit"][key]
    run.save()
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])

    method = client_for(lead).get(url()).json()["method"]["mean_change"]

    assert method["factors"] == FACTORS
    assert method["dropped_factors"] == []
    assert method["case_mix_adjusted"] is True


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


@pytest.mark.parametrize("period", ["2025-4", "2025Q5", "1800Q1", "q", "2026-Q9"])
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


DOCS = Path(__file__).resolve().parents[2] / "docs"


def positions_table(doc: str) -> dict[str, str]:
    """The docs' table of positions: the stored phrase and what the page says (every phrase has
    a space, which leaves the header row out)."""
    rows = re.findall(r"^\| `([^`]+ [^`]+)` \| [^|]+ \| ([^|]+) \|$", doc, re.M)
    return {position: said.strip() for position, said in rows}


def test_the_docs_give_every_position_as_the_api_and_the_page_say_it():
    positions = [
        stats.ABOVE_998,
        stats.ABOVE_95,
        stats.WITHIN,
        stats.BELOW_95,
        stats.BELOW_998,
        NOT_SHOWN,
    ]
    page = {position: str(POSITION_WORDS[position]) for position in positions[:-1]}
    page[NOT_SHOWN] = "not shown: fewer than 5 patients"
    for name in ("api-contract.md", "comparison-statistics.md"):
        table = positions_table((DOCS / name).read_text(encoding="utf-8"))
        assert list(table) == positions, name
        assert table == page, name
    assert len(set(page.values())) == 4  # the page's three, and not shown


def test_the_csv_columns_and_the_method_fields_are_those_the_contract_lists(installation, client):
    contract = (DOCS / "api-contract.md").read_text(encoding="utf-8")
    section = contract[contract.index("## Fair comparison of teams") : contract.index("## Errors")]
    listed = section[section.index("Its columns, in order:") :]
    documented_columns = re.findall(r"`(\w+)`", listed[: listed.index("(")])
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"])
    client.force_login(lead)

    header = next(csv.reader(io.StringIO(client.get(csv_url()).content.decode())))

    assert header == documented_columns
    method = client_for(lead).get(url()).json()["method"]
    for figure in FIGURES:
        for field in method[figure]:
            assert f"`{field}`" in section, field
