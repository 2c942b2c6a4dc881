"""The team comparison page: a funnel plot with its table, for managers and network leads; teams
alphabetical, described in words, never ranked; an empty state until the nightly run."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from indicators.comparison_page import POSITION_WORDS
from indicators.comparisons import comparison_run_compute
from indicators.models import TeamComparison
from patients.models import User
from patients.services import language_set
from tests.factories import TeamFactory
from tests.support.comparisons import PERIOD, comparison_installation, someone

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboards:comparison")


@pytest.fixture(autouse=True)
def _language_restored():
    yield
    translation.deactivate()


@pytest.fixture
def installation():
    teams = comparison_installation()
    comparison_run_compute(PERIOD)
    return teams


def page_for(client, user, **query) -> str:
    client.force_login(user)
    response = client.get(PAGE, query)
    assert response.status_code == 200
    return response.content.decode()


def table_rows(page: str) -> list[tuple[str, str]]:
    """(team, where it lies) of each row of the table, in the page's order."""
    return re.findall(
        r'<th scope="row">([^<]+)</th>.*?<td class="position">([^<]+)</td>', page, re.S
    )


def test_a_network_lead_sees_their_teams_alphabetically_with_positions_in_words(
    client, installation
):
    lead = someone(
        User.Role.NETWORK_LEAD, installation["cedar"], installation["birch"], installation["alder"]
    )
    page = page_for(client, lead, period=PERIOD)

    rows = table_rows(page)
    assert [name for name, _ in rows] == ["Alder", "Birch", "Cedar"]
    for name, position in rows[:2]:
        stored = TeamComparison.objects.get(team__name=name, figure="mean_change")
        assert position == str(POSITION_WORDS[stored.position])
        assert position in {
            "within the expected range",
            "above the 99.8 % limit",
            "below the 99.8 % limit",
        }
    assert rows[2] == ("Cedar", "not shown: fewer than 5 patients")
    alder = TeamComparison.objects.get(team__name="Alder", figure="mean_change")
    assert f'<td class="num">{alder.n}</td>' in page
    assert f"{alder.adjusted:+.1f}" in page
    assert f"{alder.observed:+.1f}" in page
    assert "Limits assume only chance variation between teams" in page or "Limits widened" in page
    assert f'href="{reverse("dashboards:comparison_export", args=[PERIOD])}"' in page
    assert "fewer than 20 patients: wide limits" in page  # Alder has 16


def test_the_funnel_is_an_accessible_svg_with_the_table_and_leaves_small_teams_out(
    client, installation
):
    lead = someone(
        User.Role.NETWORK_LEAD, installation["alder"], installation["birch"], installation["cedar"]
    )
    page = page_for(client, lead, period=PERIOD)

    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert '<title id="funnel-title">' in svg
    assert '<desc id="funnel-desc">' in svg
    assert 'aria-labelledby="funnel-title funnel-desc"' in svg
    assert svg.count("<circle") == 2  # Alder and Birch; Cedar (3 patients) is not plotted
    assert "Alder" in svg
    assert "Birch" in svg
    assert "Cedar" not in svg
    assert 'stroke-dasharray="6 4"' in svg  # the 95 % limits dashed
    assert "<table>" in page
    assert page.index("</svg>") < page.index("<table>")
    # One colour for every team: nothing reads as a league table.
    assert len(set(re.findall(r'<circle[^>]*fill="(#[0-9A-Fa-f]{6})"', svg))) == 1


def test_the_figure_chooser_shows_each_figure_by_a_plain_link(client, installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"], installation["birch"])
    page = page_for(client, lead, period=PERIOD, figure="improved_share")

    assert '<h2 id="funnel-heading">Share of patients improved</h2>' in page
    assert f'href="?period={PERIOD}&amp;figure=patient_initiated_share"' in page
    # Choosing another quarter keeps the figure chosen.
    assert '<input type="hidden" name="figure" value="improved_share">' in page
    stored = TeamComparison.objects.get(team__name="Alder", figure="improved_share")
    assert dict(table_rows(page))["Alder"] == str(POSITION_WORDS[stored.position])
    client.force_login(lead)
    assert client.get(PAGE, {"period": PERIOD, "figure": "rank"}).status_code == 404
    assert client.get(PAGE, {"period": "not-a-quarter"}).status_code == 404


def test_no_rank_appears_on_the_page(client, installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"], installation["birch"])
    page = page_for(client, lead, period=PERIOD)
    main = page[page.index("<main") :]
    text = re.sub(r"<[^>]+>", " ", main).lower().replace("never ranked", "")

    for word in ("rank", "1st", "2nd", "league", "best", "worst", "top ", "bottom "):
        assert word not in text, word
    assert "<ol" not in main
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', main)
    assert headers == [
        "Team",
        "Patients (n)",
        "Observed (O)",
        "Expected (E)",
        "Adjusted figure",
        "Where it lies",
        "Caveats",
    ]


def test_a_manager_of_one_team_sees_one_point(client, installation):
    manager = someone(User.Role.MANAGER, installation["birch"])
    page = page_for(client, manager, period=PERIOD)

    assert [name for name, _ in table_rows(page)] == ["Birch"]
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert svg.count("<circle") == 1
    assert "Alder" not in page


def test_clinicians_and_patients_are_refused_as_on_the_other_dashboards(
    client, installation, patient
):
    clinician = someone(User.Role.CLINICIAN, installation["alder"])
    client.force_login(clinician)
    assert client.get(PAGE).status_code == 403
    client.force_login(patient.user)
    assert client.get(PAGE).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302


def test_without_a_run_the_page_says_the_comparison_is_worked_out_each_night(client):
    manager = someone(User.Role.MANAGER, TeamFactory(name="Alder"))
    page = page_for(client, manager)

    assert "No comparison for this quarter yet" in page
    assert "worked out each night" in page
    assert "<svg" not in page
    assert page_for(client, manager, period=PERIOD).count("No comparison for this quarter yet") == 1


def test_the_dutch_page_keeps_no_english_sentence(client, installation):
    lead = someone(
        User.Role.NETWORK_LEAD, installation["alder"], installation["birch"], installation["cedar"]
    )
    language_set(user=lead, language="nl")
    page = page_for(client, lead, period=PERIOD)

    assert '<html lang="nl"' in page
    for sentence in (
        "Comparison of teams",
        "What this plot means",
        "within the expected range",
        "not shown: fewer than",
        "Limits assume",
        "Limits widened",
        "Funnel plot",
        "Mean change in the patient-weighted index",
        "Download the comparison (CSV)",
        "Patients in the figure",
        "wide limits",
        "It does not say which team is better",
    ):
        assert sentence not in page, sentence
    assert "Vergelijking van zorgteams" in page
    assert "niet getoond: minder dan 5 patiënten" in page


def test_the_page_says_only_within_the_expected_range_or_beyond_the_998_limit():
    # The 95 % limits are drawn, but a team between them and the 99.8 % limits reads as within
    # the expected range: one team in twenty lies there by chance alone.
    from indicators import comparison as stats

    assert {str(words) for words in POSITION_WORDS.values()} == {
        "within the expected range",
        "above the 99.8 % limit",
        "below the 99.8 % limit",
    }
    assert str(POSITION_WORDS[stats.ABOVE_95]) == str(POSITION_WORDS[stats.WITHIN])
    assert str(POSITION_WORDS[stats.BELOW_95]) == str(POSITION_WORDS[stats.WITHIN])
