"""The clinician's pages in Dutch: the encounter form (with its problems), the record, the caseload,
the supporting records, sign-in help and the printed letter, which follows the patient's language.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from assessments.models import Marker
from clinic.form_messages import restated
from clinic.forms import EncounterLogForm, TargetForm
from clinic.instrument_words import scores_in_words
from clinic.templatetags.measures import plain_number
from patients.models import ConditionCode
from patients.services import condition_record
from tests.factories import PersonalTargetFactory
from tests.support.api_tokens import api_key_for

pytestmark = pytest.mark.django_db
DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """A request leaves its language active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


@pytest.fixture
def dutch_clinician(client, clinician):
    clinician.language = "nl"
    clinician.save()
    client.force_login(clinician)
    return client


def text_of(response) -> str:
    """The page's words: tags dropped, spaces squeezed, entities kept as they are."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_dutch(response, dutch: list[str], english: list[str]) -> None:
    words = text_of(response)
    for sentence in dutch:
        assert sentence in words, sentence
    for sentence in english:
        assert sentence not in words, sentence


def test_the_encounter_form_is_in_dutch(dutch_clinician, patient):
    response = dutch_clinician.get(reverse("clinic:encounter-new", args=[patient.pk]))
    assert response.status_code == 200
    assert_dutch(
        response,
        [
            "Consult vastleggen",
            "Alleen het eerste deel is nodig.",
            "Wie vroeg om dit contact?",
            "Duur (minuten)",
            "Notitie (alleen voor medewerkers, de patiënt ziet dit nooit)",
            "Een nieuw doel",
            "Consult bewaren",
            "Annuleren",
        ],
        [
            "Log an encounter",
            "Only the first section is needed",
            "Who asked for this contact?",
            "Save the encounter",
            "Next time",
        ],
    )


def test_the_encounter_forms_problems_are_in_dutch_with_the_fields_dutch_label(
    dutch_clinician, patient
):
    response = dutch_clinician.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        {
            "occurred_at": "2026-02-10T10:00",
            "mode": "face_to_face",
            "initiated_by": "service",
            "duration_minutes": "0",
            "target_relevant": "on",
            "goal_expected_outcome": "Naar het park lopen",
        },
    )
    assert response.status_code == 400
    words = text_of(response)
    assert "Er is nog niets bewaard: verbeter 3 dingen" in words
    assert "“Duur (minuten)” moet van 1 tot 480 zijn." in words
    assert "Schrijf het nieuwe doel in de woorden van de patiënt" in words
    assert "Kies het domein van het nieuwe doel." in words
    assert "Nothing was saved yet" not in words
    assert "must be from" not in words


def test_a_forms_messages_follow_the_language_active_when_it_is_checked():
    with translation.override("nl"):
        form = TargetForm({"low": "7,5x", "high": "", "reason": ""})
        assert not form.is_valid()
        assert form.errors["low"] == [
            "“Laagste afgesproken waarde” moet een getal zijn, zoals 7,5."
        ]
        assert form.errors["reason"] == ["Zeg waarom deze meetwaarde niet telt voor deze persoon."]
    with translation.override("en-gb"):
        form = TargetForm({"low": "7,5x", "high": "", "reason": ""})
        assert not form.is_valid()
        assert form.errors["low"] == ["“Lowest agreed” must be a number, like 7.5."]


def test_a_service_error_is_restated_with_the_dutch_label_and_coded_ones_in_dutch():
    with translation.override("nl"):
        coded = ValidationError("no range", code="target_range_missing")
        assert restated(coded, None).startswith("Geef de laagste of de hoogste afgesproken waarde")
        form = EncounterLogForm(elements=[], goals=[])
        label = str(form.fields["duration_minutes"].label)
        assert label == "Duur (minuten)"
        named = ValidationError("duration_minutes must be at most 480")
        assert restated(named, label) == "“Duur (minuten)” must be at most 480."


def test_the_record_page_is_in_dutch(dutch_clinician, patient):
    response = dutch_clinician.get(reverse("clinic:patient", args=[patient.pk]))
    assert response.status_code == 200
    assert_dutch(
        response,
        [
            "Wat voor de patiënt belangrijk is",
            "Komende afspraken",
            "Samenvatting, gewogen door de patiënt",
            "De drie domeinen door de tijd",
            "Meetwaarden naast persoonlijke streefwaarden",
            "Nog geen consulten.",
        ],
        ["What matters to them", "Upcoming appointments", "No encounters yet.", "Book this"],
    )


def test_the_caseload_is_in_dutch_with_a_plural_count(dutch_clinician, patient):
    response = dutch_clinician.get(reverse("clinic:caseload"))
    assert response.status_code == 200
    assert_dutch(
        response,
        ["Patiëntenlijst", "Zoek een patiënt op naam", "1 patiënt.", "Laatst gezien", "nooit"],
        ["Find a patient by name", "1 patient.", "Last seen", "never"],
    )


def test_the_supporting_records_page_is_in_dutch(dutch_clinician, patient):
    response = dutch_clinician.get(reverse("clinic:records", args=[patient.pk]))
    assert response.status_code == 200
    assert_dutch(
        response,
        ["Terug naar het dossier", "Een aandoening toevoegen", "Gebeurtenis toevoegen"],
        ["Back to the record", "Add a condition", "Add the event"],
    )


def test_sign_in_help_and_the_letter_are_in_dutch(dutch_clinician, patient):
    help_page = dutch_clinician.get(reverse("clinic:sign-in-help", args=[patient.pk]))
    assert_dutch(
        help_page,
        [f"{patient.display_name} helpen met inloggen", "Een brief om in te loggen printen"],
        ["sign in", "Print a sign-in letter"],
    )
    letter = dutch_clinician.get(reverse("clinic:sign-in-letter", args=[patient.pk]))
    assert_dutch(
        letter,
        ["Zo log je in bij SSM Outcomes", f"Beste {patient.display_name},", "Je gebruikersnaam"],
        ["How to sign in to SSM Outcomes", "Dear ", "Keep this letter somewhere safe."],
    )


def test_the_letter_is_in_the_patients_language_whatever_the_clinician_reads(
    client, clinician, patient
):
    patient.user.language = "nl"
    patient.user.save()
    client.force_login(clinician)  # no language chosen, an English browser
    letter = client.get(reverse("clinic:sign-in-letter", args=[patient.pk]))
    html = letter.content.decode()
    assert "Print this page with your browser's Print command" in html  # the clinician's part
    assert 'lang="nl"' in html
    assert "Bewaar deze brief op een veilige plek." in html
    assert "Keep this letter somewhere safe." not in html


def test_instrument_results_in_words_are_dutch():
    with translation.override("nl"):
        assert scores_in_words("PHQ2", {"positive": True}) == (
            "Positief: overweeg een uitgebreider onderzoek"
        )
        assert scores_in_words("EQ5D5L", {"profile": "11111", "vas": 80}) == (
            "Gezondheidstoestand 11111; eigen gezondheid vandaag 80 op 100"
        )
    with translation.override("en-gb"):
        assert scores_in_words("PHQ2", {"positive": False}) == "Negative"


def test_readings_are_written_with_the_languages_decimal_mark():
    with translation.override("nl"):
        assert plain_number(Decimal("7.50")) == "7,5"
        assert plain_number(Decimal("87.00")) == "87"
    with translation.override("en-gb"):
        assert plain_number(Decimal("7.50")) == "7.5"
        assert plain_number(Decimal("100.00")) == "100"


def test_a_targets_box_keeps_a_point_in_dutch_while_the_record_shows_a_comma(
    dutch_clinician, patient
):
    PersonalTargetFactory(patient=patient, low=Decimal("40.5"), high=58)
    edit = dutch_clinician.get(reverse("clinic:records", args=[patient.pk]))
    assert 'value="40.5"' in edit.content.decode()  # the box posts back what it shows
    record = dutch_clinician.get(reverse("clinic:patient", args=[patient.pk]))
    assert "40,5 tot 58" in text_of(record)


def test_changes_and_questionnaire_scores_are_written_with_the_languages_decimal_mark():
    from django.template import Context, Template

    from clinic.instrument_words import number_text

    page = Template("{% load presentation %}{{ change|change_text }} {{ score|score_text }}")
    figures = Context({"change": 10.0, "score": 73.5})
    with translation.override("nl"):
        assert page.render(figures) == "+10,0 7,4"
        assert number_text(5.5) == "5,5"
        assert number_text(6.0) == "6"
    with translation.override("en-gb"):
        assert page.render(figures) == "+10.0 7.4"
        assert number_text(5.5) == "5.5"


def test_a_questionnaire_only_in_english_says_so_and_is_marked_english(
    dutch_clinician, patient, team
):
    from assessments.responses import team_instrument_offer

    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")

    html = dutch_clinician.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()

    section = html.split('<details class="instrument"')[1].split("</details>")[0]
    assert "Deze vragen zijn in het Engels. Ze zijn er nog niet in jouw taal." in section
    questions = section.split('<div lang="en-GB">')[1]
    assert "Little interest or pleasure in doing things" in questions
    assert '<p class="licence-notice" lang="en-GB">' in section


def test_condition_and_marker_names_are_dutch_on_dutch_pages_and_english_elsewhere(
    dutch_clinician, clinician, patient
):
    condition_record(patient=patient, snomed_code="44054006")
    record = text_of(dutch_clinician.get(reverse("clinic:patient", args=[patient.pk])))
    form = dutch_clinician.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()
    caseload = text_of(dutch_clinician.get(reverse("clinic:caseload")))

    assert "Diabetes mellitus type 2" in record
    assert "Diabetes mellitus type 2" in caseload
    assert "Type 2 diabetes mellitus" not in record + caseload
    assert "Systolische bloeddruk" in form
    assert "Systolic blood pressure" not in form
    with translation.override("en-gb"):
        condition = ConditionCode.objects.get(snomed_code="44054006")
        assert condition.display == "Type 2 diabetes mellitus"
        assert Marker.objects.get(loinc="8480-6").plain_name == "Blood pressure (top number)"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(clinician)}")
    everything = api.get(f"/api/v1/fhir/Patient/{patient.pk}/$everything").content.decode()
    assert "Type 2 diabetes mellitus" in everything  # no Accept-Language: English
