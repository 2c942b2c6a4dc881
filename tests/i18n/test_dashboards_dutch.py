"""The dashboards in Dutch: a manager or clinician who chose Dutch reads every dashboard page, its
caveats, its withheld-figure words and its charts in Dutch, with Dutch decimal commas; the CSV
export stays English (a public contract) whatever the manager's language."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from indicators.dashboard import COVERAGE, GOALS, PATIENTS, Figure
from indicators.patient_summaries import summaries_rebuild_all
from patients.services import language_set
from tests.indicators.test_dashboard_pages import cohort, someone

pytestmark = pytest.mark.django_db

PAGES = ("team_overview", "team_trends", "team_what_matters", "team_context", "team_instruments")

# English sentences that must not be left on a Dutch page (from the pages and their caveats).
ENGLISH = (
    "How to read these figures",
    "What matters differs from person to person.",
    "Nothing here ranks teams or clinicians",
    "Scroll sideways to see every column.",
    "Patient-weighted index",
    "Middle half of patients",
    "fewer than 5",
    "no earlier quarter",
    "Download these figures (CSV)",
    "Quarters whose figure the table does not show",
    "Figures for <strong>",
)


def page_of(client, name: str, team=None) -> str:
    path = reverse(f"dashboards:{name}", args=[team.pk] if team is not None else [])
    response = client.get(path)
    assert response.status_code == 200, name
    return response.content.decode()


@pytest.fixture(autouse=True)
def _language_restored():
    """A request leaves its language active in the thread (LocaleMiddleware does not reset it):
    later tests must not start in Dutch."""
    yield
    translation.deactivate()


@pytest.fixture
def dutch_manager(manager):
    return language_set(user=manager, language="nl")


def test_every_team_page_is_in_dutch_and_keeps_no_english_sentence(
    client, team, clinician, dutch_manager
):
    cohort(team, clinician, [2, 4, 6, 8, 10, 7], initiated="patient", own_priorities=True)
    summaries_rebuild_all()
    client.force_login(dutch_manager)

    pages = {name: page_of(client, name, team) for name in (*PAGES, "team_caseloads")}
    pages["index"] = page_of(client, "index")

    for name, page in pages.items():
        assert '<html lang="nl"' in page, name
        for sentence in ENGLISH:
            assert sentence not in page, (name, sentence)
    overview = pages["team_overview"]
    assert "Riverside Practice: overzicht" in overview
    assert '<h3 class="figure-label">Index gewogen naar de patiënt</h3>' in overview
    assert "Zo lees je deze cijfers" in overview
    assert "Wat belangrijk is, verschilt per persoon." in overview
    assert "Vergelijk het zorgteam met zichzelf door de tijd heen, niet met anderen." in overview
    assert "Niets hier rangschikt zorgteams of zorgverleners" in overview
    assert "zijn niemands falen." in overview
    assert "<dt>Getelde patiënten</dt><dd>6</dd>" in overview
    assert "Middelste helft van de patiënten: " in overview
    assert "Elk cijfer dat berust op minder dan 5 patiënten staat er als “minder dan 5”" in overview
    assert "Cijfers over <strong>2025Q4</strong>, berekend op " in overview
    assert "Deze cijfers downloaden (CSV)" in overview
    trends = pages["team_trends"]
    assert "Riverside Practice: trends, 2024Q1 tot en met 2025Q4" in trends
    assert '<th scope="col">Kwartaal</th>' in trends
    assert ">geen samenvatting<" in trends  # the quarters before the first summary
    assert "Gearceerd: de middelste helft van de patiënten (interkwartielafstand)" in trends
    assert "niet getoond (geen samenvatting)" in trends  # the charts' text alternative
    assert "Riverside Practice: wat onze patiënten belangrijk vinden" in pages["team_what_matters"]
    assert "Eigen onderwerpen (in de woorden van de patiënt)" in pages["team_what_matters"]
    assert "Personal items" not in pages["team_what_matters"]
    assert "Patiënten met een contextgebeurtenis, per soort" in pages["team_context"]
    assert "Riverside Practice: gevalideerde instrumenten" in pages["team_instruments"]
    caseloads = pages["team_caseloads"]
    assert '<th scope="col">Zorgverlener</th>' in caseloads
    assert "de lijst is geen ranglijst" in caseloads
    assert "Deze cijfers staan niet in de CSV-export." in caseloads
    assert "Vraag een beheerder" not in pages["index"]  # the manager has a team
    assert ">Zorgteams<" in pages["index"]


def test_a_small_team_says_why_in_dutch(client, team, clinician, dutch_manager):
    cohort(team, clinician, [3, 4, 6, 9])
    summaries_rebuild_all()
    client.force_login(dutch_manager)

    page = page_of(client, "team_overview", team)

    assert "<dt>Getelde patiënten</dt><dd>minder dan 5</dd>" in page
    assert "fewer than 5" not in page
    assert "Patients counted" not in page


def test_my_caseload_is_in_dutch_for_a_dutch_clinician(client, team, clinician):
    cohort(team, clinician, [2, 4, 6, 8, 10, 7])
    summaries_rebuild_all()
    client.force_login(language_set(user=clinician, language="nl"))

    page = page_of(client, "my_caseload")

    assert "<h1>Mijn caseload, 2025Q4</h1>" in page
    assert "Voordat je verder leest" in page
    assert "bij de mediane patiënt kreeg " in page
    assert "Vergelijk je caseload met zichzelf door de tijd heen" in page
    assert "Over de laatste 8 kwartalen" in page
    for sentence in (*ENGLISH, "Before you read on", "your caseload", "My caseload"):
        assert sentence not in page, sentence


def test_what_matters_words_of_a_few_are_dutch(client, team, clinician, dutch_manager):
    cohort(team, clinician, [5] * 6)
    cohort(team, clinician, [5] * 4, own_priorities=True)
    summaries_rebuild_all()
    client.force_login(dutch_manager)

    page = page_of(client, "team_what_matters", team)

    assert "Minder dan 5 patiënten stelden eigen prioriteiten in" in page
    assert "set their own priorities" not in page


def test_numbers_follow_the_language_and_english_is_unchanged():
    goals, patients = Figure(GOALS, 52.25), Figure(PATIENTS, 1234)
    coverage = Figure(COVERAGE, 0.5, q1=0.25, q3=0.755, n=6)
    with translation.override("en-gb"):
        assert (goals.text, patients.text, coverage.range_text) == ("52.3", "1,234", "25% to 76%")
    with translation.override("nl"):
        assert (goals.text, patients.text, coverage.range_text) == ("52,3", "1.234", "25% tot 76%")


def test_the_csv_stays_english_for_a_dutch_manager(client, team, clinician, dutch_manager):
    cohort(team, clinician, [3, 4, 6, 9])
    someone(team, clinician, after=8)
    summaries_rebuild_all()
    client.force_login(dutch_manager)

    response = client.get(reverse("dashboards:team_export", args=[team.pk]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    figures = {row["figure"] for row in rows}
    assert "Patient-weighted index" in figures
    assert "Patients counted" in figures
    assert not any("patiënt" in value.lower() for row in rows for value in row.values())
    assert "fewer than 5 patients" in {row["not_shown_because"] for row in rows}
