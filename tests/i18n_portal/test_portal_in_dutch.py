"""Every portal page in Dutch: no English sentence of the portal left on it, the Dutch that
should be there is there (dates too), and the text is plain enough to read (Flesch–Douma)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.responses import response_record, team_instrument_offer
from assessments.services import goal_review_record, priorities_set, rating_record
from indicators.services import patient_summaries_refresh
from patients.models import AuditEvent
from tests.factories import (
    AppointmentFactory,
    ContextEventFactory,
    EncounterFactory,
    GoalFactory,
)
from tests.i18n_portal.conftest import LOCALE
from tests.i18n_portal.text import all_text, english_sentences, flesch_douma, page_blocks, page_text
from tests.portal.test_portal_pages import PAGES

pytestmark = pytest.mark.django_db

DUTCH = LOCALE / "nl" / "LC_MESSAGES" / "django.po"
PLAIN = 60  # Flesch–Douma: 60 and above is plain Dutch


@pytest.fixture
def record(patient, team, clinician):
    """A patient with something on every page: an appointment coming and one to give feedback
    on, priorities and answers, a goal reviewed, questionnaires due and answered, a life event,
    scores over two quarters, and staff who opened the record."""
    today = timezone.localdate()
    AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=2)
    )
    encounter = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    priorities_set(patient=patient, effective_from=today, points={"H2": 60, "M2": 40})
    for day, value in ((today - dt.timedelta(days=120), 4), (today, 8)):
        rating_record(patient=patient, element="H2", value=value, rated_on=day, rater="patient")
    rating_record(
        patient=patient,
        element="M2",
        value=5,
        rated_on=today,
        rater="proxy",
        entered_by=clinician,
    )
    goal = GoalFactory(patient=patient)
    goal_review_record(goal=goal, attainment=1, reviewed_on=today, reviewed_by=patient.user)
    ContextEventFactory(patient=patient, note="Moved house", visible_to_patient=True)
    for code in ("PHQ2", "ONS4", "SWEMWBS"):
        team_instrument_offer(team=team, instrument=code, schedule="quarterly")
    response_record(
        patient=patient,
        instrument="ONS4",
        answers={"1": 7, "2": 9, "3": 6, "4": 2},
        completed_on=today - dt.timedelta(days=100),
        rater="patient",
        entered_by=patient.user,
    )
    AuditEvent.objects.create(
        actor=clinician, actor_role="clinician", patient=patient, action="view", what="patient"
    )
    patient_summaries_refresh(patient_id=patient.pk)
    return {"encounter": encounter, "goal": goal}


def portal_pages(record) -> dict[str, str]:
    """Every page of the portal by a name to report it under, with its address."""
    pages = {name: reverse(name) for name in PAGES}
    pages |= {
        "portal:rate": reverse("portal:rate", args=["H2"]),
        "portal:goal-review": reverse("portal:goal-review", args=[record["goal"].pk]),
        "portal:feedback": reverse("portal:feedback", args=[record["encounter"].pk]),
        "portal:questionnaire": reverse("portal:questionnaire", args=["PHQ2"]),
        "portal:questionnaire-done": reverse("portal:questionnaire-done", args=["PHQ2"]),
        "portal:questionnaire (no words)": reverse("portal:questionnaire", args=["SWEMWBS"]),
    }
    return pages


@pytest.fixture
def dutch_pages(dutch_client, record) -> dict[str, str]:
    """Each portal page's HTML, in Dutch; the first step of What matters to me as well."""
    shown = {}
    for name, url in portal_pages(record).items():
        response = dutch_client.get(url)
        assert response.status_code == 200, name
        shown[name] = response.content.decode()
    picking = dutch_client.post(
        reverse("portal:priorities"), {"stage": "share", "action": "pick", "picked": ["H2"]}
    )
    shown["portal:priorities (pick)"] = picking.content.decode()
    return shown


@pytest.fixture
def signed_out_pages(client, dutch_settings) -> dict[str, str]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    return {
        name: client.get(reverse(name)).content.decode()
        for name in ("password_reset", "password_reset_done", "password_reset_complete")
    }


def test_the_english_sentences_to_look_for_are_the_portals():
    english = english_sentences(DUTCH)
    assert len(english) > 200
    assert "Tell your care team what matters to you and how things are going." in english
    assert "Your care team will read this before you meet." in english


def test_no_english_sentence_of_the_portal_is_left_on_any_page_in_dutch(
    dutch_pages, signed_out_pages
):
    english = english_sentences(DUTCH)
    left = {
        name: [sentence for sentence in english if sentence in all_text(html)]
        for name, html in (dutch_pages | signed_out_pages).items()
    }
    assert {name: found for name, found in left.items() if found} == {}


def test_the_check_finds_english_when_the_page_is_in_english(client, patient, record):
    client.force_login(patient.user)
    html = client.get(reverse("portal:home")).content.decode()
    found = [s for s in english_sentences(DUTCH) if s in page_text(html)]
    assert "Only you and your care team can see this." in found


def test_the_pages_say_what_they_should_in_dutch(dutch_pages, patient):
    home = page_text(dutch_pages["portal:home"])
    assert "Hallo, Pat" in home
    assert "Alleen jij en je zorgteam kunnen dit zien." in home
    assert "Je volgende afspraak" in home
    assert "Mijn pagina’s" in home
    assert "Het duurt ongeveer 1 minuut." in home
    ratings = page_text(dutch_pages["portal:ratings"])
    assert "Je mag elke vraag overslaan." in ratings
    assert "Je zorgteam vulde 1 antwoord voor je in." in ratings
    assert "Hoe gaat dit nu voor jou?" in page_text(dutch_pages["portal:rate"])
    share = page_text(dutch_pages["portal:priorities"])
    assert "Je hebt alle 100 punten verdeeld." in share
    assert "Stap 1 van 2" in page_text(dutch_pages["portal:priorities (pick)"])
    progress = page_text(dutch_pages["portal:progress"])
    assert "Je score is van de 10, net als je antwoorden." in progress
    assert "Een lager getal is beter voor: angst." in progress
    assert "Zo slecht als het maar kan" in page_text(dutch_pages["portal:feedback"]) or (
        "0: zo slecht als het maar kan" in page_text(dutch_pages["portal:feedback"])
    )
    access = page_text(dutch_pages["portal:access-log"])
    assert "Nia" in access
    assert "zorgverlener keek in je dossier (je gegevens)." in access
    assert "Sla deze vraag over" in page_text(dutch_pages["portal:questionnaire"])
    assert "Deze vragen zijn hier nog niet te zien." in page_text(
        dutch_pages["portal:questionnaire (no words)"]
    )


def test_dates_on_the_dutch_pages_are_written_the_dutch_way(dutch_pages):
    today = timezone.localdate()
    months = (
        "januari februari maart april mei juni juli augustus september oktober november december"
    )
    month = months.split()[today.month - 1]
    assert f"{today.day} {month} {today.year}" in page_text(dutch_pages["portal:goals"])
    progress = page_text(dutch_pages["portal:progress"])
    assert " tot en met " in progress  # "april tot en met juni 2026"
    assert re.search(r"was je score \d+,\d van de 10\.", progress)  # "6,8", not "6.8"
    assert not any(name in progress for name in ("January", "April", "July", "October"))


def test_flemish_keeps_dutch_and_says_aanmelden_where_flemish_differs(signed_out_pages, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl-be"
    flemish = page_text(client.get(reverse("password_reset_complete")).content.decode())
    assert "Aanmelden" in flemish
    assert "Inloggen" not in flemish
    assert "Je nieuwe wachtwoord is bewaard" in flemish  # from the Dutch catalogue
    assert "Inloggen" in page_text(signed_out_pages["password_reset_complete"])


def test_every_dutch_portal_page_reads_plainly(dutch_pages, signed_out_pages, capsys):
    scores = {}
    for name, html in sorted((dutch_pages | signed_out_pages).items()):
        reading = flesch_douma(page_blocks(html))
        scores[name] = round(reading.score, 1)
        with capsys.disabled():
            print(
                f"\nFlesch–Douma {reading.score:5.1f}  {name}"
                f"  ({reading.words} words, {reading.sentences} sentences)",
                end="",
            )
    assert {name: score for name, score in scores.items() if score < PLAIN} == {}
