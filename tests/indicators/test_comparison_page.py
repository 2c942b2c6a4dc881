"""The team comparison page: a funnel plot with its table, for managers and network leads; teams
alphabetical, described in words, never ranked; an empty state until the nightly run."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from indicators import tasks
from indicators.comparison_page import POSITION_WORDS
from indicators.comparisons import comparison_run_compute
from indicators.models import TeamComparison
from patients.models import User
from patients.services import language_set
from tests.factories import TeamFactory
from tests.support.comparisons import (
    PERIOD,
    Axes,
    comparison_installation,
    curves_of,
    someone,
    uniform_installation,
)

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
    assert svg.count("<polyline") == 4  # four limit curves
    assert '<table class="comparison">' in page
    assert page.index("</svg>") < page.index("<table")
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
    # A malformed quarter is not found, as on the other dashboard pages.
    for malformed in ("not-a-quarter", "2026-Q9", "2026Q9"):
        assert client.get(PAGE, {"period": malformed}).status_code == 404


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
        "99.8 % limits",
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


def test_a_quarter_the_model_cannot_fit_whole_is_still_compared_and_says_how(client):
    # One age band, no stage and own priorities for everyone; no patient-initiated contact.
    teams = uniform_installation()
    assert tasks.compare_teams.delay(periods=[PERIOD]).get() == [PERIOD]
    lead = someone(User.Role.NETWORK_LEAD, teams["alder"], teams["birch"])

    page = page_for(client, lead, period=PERIOD)

    assert (
        "Left out of the case-mix model: the age band (the same for every patient); the stage "
        "(the same for every patient); own priorities rather than default weights (the same for "
        "every patient)." in page
    )
    assert [name for name, _ in table_rows(page)] == ["Alder", "Birch"]
    assert re.search(r"<svg .*?</svg>", page, re.S).group(0).count("<circle") == 2

    page = page_for(client, lead, period=PERIOD, figure="patient_initiated_share")

    assert (
        "No case-mix adjustment was possible (every patient had the same outcome): each team is "
        "compared with the overall figure." in page
    )
    assert table_rows(page) == [
        ("Alder", "within the expected range"),
        ("Birch", "within the expected range"),
    ]
    for row in TeamComparison.objects.filter(figure="patient_initiated_share"):
        assert (row.observed, row.expected, row.adjusted, row.upper_998) == (0, 0, 0, 0)

    language_set(user=lead, language="nl")
    page = page_for(client, lead, period=PERIOD, figure="patient_initiated_share")
    assert "No case-mix adjustment" not in page
    assert "Geen correctie voor de patiëntenmix mogelijk" in page


def svg_of(page: str) -> str:
    return re.search(r"<svg .*?</svg>", page, re.S).group(0)


def test_the_limit_curves_pass_through_each_teams_stored_limits(client, installation):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"], installation["birch"])

    svg = svg_of(page_for(client, lead, period=PERIOD))

    axes, curves = Axes(svg), curves_of(svg)
    circles = dict(
        zip(
            re.findall(r'<text x="[^"]+" y="[^"]+" font-size="11"[^>]*>([^<]+)</text>', svg),
            re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)"', svg),
            strict=True,
        )
    )
    for name in ("Alder", "Birch"):
        stored = TeamComparison.objects.get(team__name=name, figure="mean_change")
        cx, cy = (float(v) for v in circles[name])
        assert abs(cy - axes.y_at(stored.adjusted)) <= 0.1 + 1e-9
        for key in ("lower_95", "upper_95", "lower_998", "upper_998"):
            at_team = [y for x, y in curves[key] if abs(x - cx) < 1e-9]
            assert len(at_team) == 1, (name, key)
            assert abs(at_team[0] - axes.y_at(getattr(stored, key))) <= 0.1 + 1e-9, (name, key)
    smallest = min(
        TeamComparison.objects.filter(figure="mean_change", shown=True).values_list("n", flat=True)
    )
    assert all(axes.n_at(line[0][0]) == smallest for line in curves.values())
    assert all(axes.n_at(line[-1][0]) == axes.x_high for line in curves.values())


def test_the_plot_names_its_y_axis_and_keeps_its_title_and_description_in_english_and_dutch(
    client, installation
):
    lead = someone(User.Role.NETWORK_LEAD, installation["alder"], installation["birch"])

    def read(svg: str) -> tuple[str, str, str, str]:
        label = re.search(r'<text class="axis-name" transform="([^"]+)"[^>]*>(.*?)</text>', svg)
        return (
            label.group(1),
            " ".join(re.findall(r"<tspan[^>]*>([^<]+)</tspan>", label.group(2))),
            re.search(r'<title id="funnel-title">([^<]+)</title>', svg).group(1),
            re.search(r'<desc id="funnel-desc">([^<]+)</desc>', svg).group(1),
        )

    svg = svg_of(page_for(client, lead, period=PERIOD))
    transform, label, title, desc = read(svg)
    assert 'aria-labelledby="funnel-title funnel-desc"' in svg
    assert "rotate(-90)" in transform
    assert label == "Mean change in the patient-weighted index (index points)"
    assert (
        title
        == "Mean change in the patient-weighted index, 2025Q4: each team against the expected range"
    )
    assert desc.startswith(
        "Funnel plot. Across: the number of patients in the figure; up: the adjusted figure, "
        "Mean change in the patient-weighted index (index points)."
    )
    assert "Alder: 16 patients" in desc
    svg = svg_of(page_for(client, lead, period=PERIOD, figure="improved_share"))
    assert read(svg)[1] == "Share of patients improved (%)"

    language_set(user=lead, language="nl")
    svg = svg_of(page_for(client, lead, period=PERIOD))
    transform, label, title, desc = read(svg)
    assert 'aria-labelledby="funnel-title funnel-desc"' in svg
    assert "rotate(-90)" in transform
    assert label == "Gemiddelde verandering in de index gewogen naar de patiënt (indexpunten)"
    assert title.startswith("Gemiddelde verandering in de index gewogen naar de patiënt, 2025Q4")
    assert desc.startswith("Trechterdiagram. Horizontaal: het aantal patiënten in het cijfer")
    assert "Alder: 16 patiënten" in desc
    assert "Funnel plot" not in svg


@pytest.mark.parametrize(
    ("value", "written"),
    [(-0.04, "0.0"), (0.04, "0.0"), (0.0, "0.0"), (-0.06, "-0.1"), (2.35, "+2.4"), (-3.4, "-3.4")],
)
def test_a_mean_change_is_written_with_its_sign_and_never_as_minus_nothing(value, written):
    from indicators.comparison_page import _figure_format

    with translation.override("en-gb"):
        assert _figure_format(TeamComparison.Figure.MEAN_CHANGE)(value) == written
