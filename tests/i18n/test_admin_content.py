"""Content that administrators edit, per language (django-modeltranslation): the framework's
wording in Dutch out of the box, English visibly marked where a Dutch text is missing, personal
items in the patient's own words in every language, the API's labels after Accept-Language,
instrument wording and a service's "help now" text in the page's language."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from assessments.instrument_selectors import (
    DEFAULT_HELP_NOW,
    help_now_text,
    instrument_worded,
    instruments_worded,
)
from assessments.instruments import INSTRUMENTS
from assessments.models import Domain, Element, InstrumentResponse, InstrumentWording
from assessments.responses import response_record, team_instrument_offer
from assessments.services import personal_item_create
from patients.models import Team
from ssm_outcomes.content_language import InLanguage, language_marked
from tests.factories import GoalFactory
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db

ENGLISH_NOTE = '<span class="language-note">(in het Engels)</span>'
H2_NL = "Ik heb mijn klachten onder controle"
H2_EN = "My symptoms are under control"


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """A request leaves its language active in the thread: later tests expect the default."""
    yield
    translation.activate("en-gb")


@pytest.fixture
def dutch_patient(client, patient):
    patient.user.language = "nl"
    patient.user.save(update_fields=["language"])
    client.force_login(patient.user)
    return client


def page(client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- The framework in Dutch ----------------------------------------------------------------


def test_the_shipped_framework_has_dutch_wording_and_keeps_its_english():
    h2 = Element.objects.get(code="H2")
    assert (h2.label_en_gb, h2.plain_label_en_gb) == ("Symptom control", H2_EN)
    with translation.override("nl"):
        assert (h2.label, h2.plain_label, h2.wording) == ("Controle over symptomen", H2_NL, H2_NL)
        assert Domain.objects.get(code="M").plain_name == "Goed voor mezelf zorgen"
    with translation.override("nl-be"):  # Flemish where it differs, else the Dutch
        m3 = Element.objects.get(code="M3")
        assert m3.label.endswith("ook tijdens consultaties")
        assert m3.plain_label == "Samen problemen oplossen en doelen kiezen, ook met mijn team"
    with translation.override("en-gb"):
        assert (h2.label, h2.wording) == ("Symptom control", H2_EN)


def test_a_dutch_patient_sees_the_framework_in_dutch(dutch_patient):
    html = page(dutch_patient, "portal:ratings")
    assert H2_NL in html
    assert H2_EN not in html
    assert ENGLISH_NOTE not in html


def test_a_missing_dutch_wording_shows_the_english_marked_as_english(dutch_patient):
    Element.objects.filter(code="H2").update(plain_label_nl=None, label_nl="")
    html = page(dutch_patient, "portal:ratings")
    assert f'<span lang="en-GB">{H2_EN}</span> {ENGLISH_NOTE}' in html
    assert H2_NL not in html


def test_an_english_page_shows_the_english_unmarked(client, patient):
    client.force_login(patient.user)
    html = page(client, "portal:ratings")
    assert H2_EN in html
    assert 'lang="en-GB"' not in html
    assert "language-note" not in html


def test_a_clinician_in_dutch_sees_an_element_without_dutch_marked(client, clinician, patient):
    clinician.language = "nl"
    clinician.save(update_fields=["language"])
    client.force_login(clinician)
    Element.objects.filter(code="H2").update(plain_label_nl="", label_nl=None)
    html = page(client, "clinic:encounter-new", patient.pk)
    assert f'<th scope="row"><span lang="en-GB">{H2_EN}</span> {ENGLISH_NOTE}</th>' in html
    assert '<th scope="row">Mijn gezondheid en hoe blij ik ben</th>' in html  # H5, in Dutch


def test_a_domain_without_dutch_is_marked_on_the_patients_goals(dutch_patient, patient):
    GoalFactory(patient=patient, domain=Domain.objects.get(code="R"))
    GoalFactory(patient=patient, domain=Domain.objects.get(code="H"))
    Domain.objects.filter(code="R").update(plain_name_nl=None)
    html = page(dutch_patient, "portal:goals")
    assert f'<span lang="en-GB">Me and my care team</span> {ENGLISH_NOTE}.' in html
    assert "Mijn gezondheid en hoe ik me voel." in html


# --- Personal items: the patient's own words --------------------------------------------------


def test_a_personal_item_typed_in_dutch_reads_the_same_in_every_language(dutch_patient, patient):
    with translation.override("nl"):
        item = personal_item_create(patient=patient, label="Fietsen met mijn kleinzoon", domain="H")
    with connection.cursor() as cursor:
        cursor.execute("SELECT label FROM assessments_element WHERE id = %s", [item.pk])
        assert cursor.fetchone() == ("Fietsen met mijn kleinzoon",)
    for language in ("en-gb", "nl", "nl-be"):
        with translation.override(language):
            again = Element.objects.get(pk=item.pk)
            assert (again.label, again.wording) == ("Fietsen met mijn kleinzoon",) * 2
    html = page(dutch_patient, "portal:ratings")
    assert "Fietsen met mijn kleinzoon" in html
    assert 'lang="en-GB">Fietsen' not in html


def test_a_personal_item_written_in_its_column_only_is_never_lost_nor_marked(
    dutch_patient, patient
):
    """As the demo's COPY writes it: the original column alone."""
    item = personal_item_create(patient=patient, label="Tuinieren", domain="H")
    Element.objects.filter(pk=item.pk).update(label_en_gb=None)
    with translation.override("nl"):
        assert Element.objects.get(pk=item.pk).label == "Tuinieren"
    html = page(dutch_patient, "portal:ratings")
    assert "Tuinieren" in html
    assert 'lang="en-GB">Tuinieren' not in html


def test_the_same_words_twice_are_refused_in_any_language(patient):
    personal_item_create(patient=patient, label="Wandelen", domain="H")
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        personal_item_create(patient=patient, label="wandelen", domain="M")
    assert "already has an item with these words" in str(error.value)


# --- The API ------------------------------------------------------------------------------------


def framework(client: Client, **headers) -> dict:
    response = client.get("/api/v1/framework/", **headers)
    assert response.status_code == 200
    return response


def test_the_api_framework_labels_follow_accept_language(client, clinician):
    client.force_login(clinician)
    english = framework(client)
    dutch = framework(client, HTTP_ACCEPT_LANGUAGE="nl")
    assert english["Content-Language"] == "en-gb"
    assert dutch["Content-Language"] == "nl"
    en, nl = english.json()["domains"], dutch.json()["domains"]
    assert [d["code"] for d in en] == [d["code"] for d in nl] == ["H", "M", "R"]
    assert [list(d) for d in en] == [list(d) for d in nl]
    assert [e["code"] for e in en[0]["elements"]] == [e["code"] for e in nl[0]["elements"]]
    assert en[0]["name"] == "Health, wellbeing and quality of life"
    assert nl[0]["name"] == "Gezondheid, welzijn en kwaliteit van leven"
    assert en[0]["elements"][1] == {"code": "H2", "label": "Symptom control", "plain_label": H2_EN}
    assert nl[0]["elements"][1] == {
        "code": "H2",
        "label": "Controle over symptomen",
        "plain_label": H2_NL,
    }


def test_the_api_gives_the_english_where_a_dutch_label_is_missing(client, clinician):
    client.force_login(clinician)
    Element.objects.filter(code="H2").update(label_nl=None)
    nl = framework(client, HTTP_ACCEPT_LANGUAGE="nl").json()["domains"]
    assert nl[0]["elements"][1]["label"] == "Symptom control"
    assert nl[0]["elements"][1]["plain_label"] == H2_NL


# --- Instrument wording ---------------------------------------------------------------------


def dutch_pack(code: str) -> dict:
    form = INSTRUMENTS[code]
    return {
        "instrument": code,
        "language": "nl",
        "version": "test",
        "instructions": "Hoe vaak had je last van de volgende problemen?",
        "items": {
            item.link_id: {
                "text": f"Vraag {item.link_id} in het Nederlands",
                "options": {str(v): f"Antwoord {v}" for v in item.labelled_values},
            }
            for item in form.items
        },
    }


def test_instrument_wording_follows_the_language_with_english_as_fallback():
    InstrumentWording.objects.create(instrument="PHQ2", language="nl", pack=dutch_pack("PHQ2"))
    with translation.override("nl"):
        phq2 = instrument_worded("PHQ2")
        assert (phq2.language, phq2.items[0].text) == ("nl", "Vraag 1 in het Nederlands")
        gad2 = instrument_worded("GAD2")
        assert gad2.language == "en-gb"
        assert gad2.items[0].text == INSTRUMENTS["GAD2"].items[0].text
    with translation.override("nl-be"):  # Flemish: the Dutch pack
        assert instrument_worded("PHQ2").language == "nl"
    with translation.override("en-gb"):
        assert instrument_worded("PHQ2").items[0].text == INSTRUMENTS["PHQ2"].items[0].text
    shown = {form.code: form for form in instruments_worded("nl")}
    assert shown["PHQ2"].language == "nl"
    assert shown["GAD2"].language == "en-gb"


def test_the_api_gives_instrument_wording_after_accept_language(client, clinician):
    InstrumentWording.objects.create(instrument="PHQ2", language="nl", pack=dutch_pack("PHQ2"))
    client.force_login(clinician)
    english = {i["code"]: i for i in client.get("/api/v1/instruments/").json()}
    dutch = {
        i["code"]: i for i in client.get("/api/v1/instruments/", HTTP_ACCEPT_LANGUAGE="nl").json()
    }
    assert english["PHQ2"]["items"][0]["text"] == INSTRUMENTS["PHQ2"].items[0].text
    assert dutch["PHQ2"]["items"][0]["text"] == "Vraag 1 in het Nederlands"
    assert list(dutch["PHQ2"]) == list(english["PHQ2"])


def test_a_dutch_patient_answers_in_dutch_or_sees_the_english_marked(dutch_patient, team):
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    team_instrument_offer(team=team, instrument="GAD2", schedule="quarterly")
    InstrumentWording.objects.create(instrument="PHQ2", language="nl", pack=dutch_pack("PHQ2"))
    phq2 = page(dutch_patient, "portal:questionnaire", "PHQ2")
    assert "Vraag 1 in het Nederlands" in phq2
    questions, licence = phq2.split('class="licence-notice"')
    name = f'<span lang="en-GB">{escape(INSTRUMENTS["PHQ2"].name)}</span>'  # its published name
    assert 'lang="en-GB"' not in questions.replace(name, "")
    assert '<p lang="en-GB">' in licence  # the licence's own words are English
    gad2 = page(dutch_patient, "portal:questionnaire", "GAD2")
    assert '<div lang="en-GB">' in gad2
    assert "Deze vragen zijn in het Engels." in gad2
    assert escape(INSTRUMENTS["GAD2"].items[0].text) in gad2


# --- A service's "help now" text -------------------------------------------------------------


def test_help_now_is_in_the_patients_language_when_the_service_gave_it(patient, team):
    team.help_now = "Call the team on 01234 567890."
    team.save()
    with translation.override("nl"):
        shown = help_now_text(patient=patient)
        assert (shown, shown.language) == ("Call the team on 01234 567890.", "en-gb")
        assert language_marked(shown) == (
            '<span lang="en-GB">Call the team on 01234 567890.</span> ' + ENGLISH_NOTE
        )
    Team.objects.filter(pk=team.pk).update(help_now_nl="Bel het team op 01234 567890.")
    with translation.override("nl"):
        shown = help_now_text(patient=patient)
        assert (shown, shown.language) == ("Bel het team op 01234 567890.", "nl")
        assert language_marked(shown) == "Bel het team op 01234 567890."
    with translation.override("en-gb"):
        assert help_now_text(patient=patient) == "Call the team on 01234 567890."
        assert language_marked(help_now_text(patient=patient)) == "Call the team on 01234 567890."


def test_the_thank_you_page_shows_the_dutch_help_now(dutch_patient, patient, team):
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    Team.objects.filter(pk=team.pk).update(
        help_now="Call us.", help_now_en_gb="Call us.", help_now_nl="Bel ons."
    )
    response_record(
        patient=patient,
        instrument="PHQ2",
        answers={"1": 3, "2": 3},
        completed_on=timezone.localdate(),
        rater="patient",
        entered_by=patient.user,
    )
    assert InstrumentResponse.objects.get().scores["positive"] is True
    html = page(dutch_patient, "portal:questionnaire-done", "PHQ2")
    assert '<p class="help-now">Bel ons.</p>' in html


def test_the_products_own_help_now_is_not_marked():
    assert language_marked(InLanguage(DEFAULT_HELP_NOW)) == escape(DEFAULT_HELP_NOW)


# --- The admin --------------------------------------------------------------------------------


def test_an_admin_saves_a_dutch_wording_of_an_element(client, admin_user):
    sign_in_with_code(client, admin_user)
    h2 = Element.objects.get(code="H2")
    url = reverse("admin:assessments_element_change", args=[h2.pk])
    form = client.get(url).content.decode()
    assert 'name="plain_label_nl"' in form
    assert 'name="plain_label_en_gb"' in form
    response = client.post(
        url,
        {
            "domain": "H",
            "code": "H2",
            "label_en_gb": "Symptom management",
            "label_nl": "Klachten onder controle",
            "label_nl_be": "",
            "plain_label_en_gb": H2_EN,
            "plain_label_nl": "Mijn klachten zijn rustig",
            "plain_label_nl_be": "",
            "patient": "",
            "active": "on",
            "order": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    h2.refresh_from_db()
    assert (h2.label_nl, h2.plain_label_nl) == (
        "Klachten onder controle",
        "Mijn klachten zijn rustig",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT label, plain_label FROM assessments_element WHERE code = 'H2'")
        assert cursor.fetchone() == ("Symptom management", H2_EN)


def test_an_admin_saves_a_dutch_help_now(client, admin_user, team):
    sign_in_with_code(client, admin_user)
    url = reverse("admin:patients_team_change", args=[team.pk])
    form = client.get(url).content.decode()
    assert 'name="help_now_nl"' in form
    data = {
        "name": team.name,
        "description": team.description,
        "help_now_en_gb": "Call us.",
        "help_now_nl": "Bel ons.",
        "help_now_nl_be": "",
    }
    for prefix in re.findall(r'name="([^"]+)-TOTAL_FORMS"', form):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    team.refresh_from_db()
    assert (team.help_now_en_gb, team.help_now_nl) == ("Call us.", "Bel ons.")


@pytest.mark.parametrize(
    ("language", "words", "numbers"),
    [
        ("en-gb", "call 999 now", ("999", "NHS 111", "116 123")),
        ("nl", "Bel dan nu 112", ("112", "huisartsenpost", "0800-0113")),
        ("nl-be", "Bel dan nu 112", ("112", "wachtpost op 1733", "Zelfmoordlijn: 1813")),
    ],
)
@pytest.mark.django_db
def test_the_products_own_help_now_is_written_for_the_readers_country(
    patient, language, words, numbers
):
    with translation.override(language):
        text = help_now_text(patient=patient)
    assert words in text
    assert all(number in text for number in numbers)
    assert text.language == ""  # in the page's own language: nothing to mark
