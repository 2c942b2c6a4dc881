"""The product's fixed words in Dutch: the labels of the models' choices (how an encounter
happened, its strategies, a life event's kind, a goal's attainment), the bands of a
questionnaire's scores, and appointment times. What is stored and what the API returns stay the
English codes; only the words shown follow the language."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import GoalReview, Rater, Schedule
from assessments.responses import response_record, team_instrument_offer
from assessments.services import goal_review_record, rating_record
from clinic.instrument_words import band_words, scores_in_words
from indicators.dashboard import context_shown
from indicators.models import PatientSummary
from indicators.services import patient_summaries_refresh
from interop.fhir import patient_everything
from patients.models import AuditEvent, ContextEvent, Encounter, Strategy, User
from patients.services import appointment_time
from portal.words import BAND_WORDS
from tests.clinic.test_clinic_pages import encounter_post, in_a_fortnight, typed
from tests.factories import (
    AppointmentFactory,
    ContextEventFactory,
    EncounterFactory,
    GoalFactory,
    RatingFactory,
)

pytestmark = pytest.mark.django_db

DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """A request leaves its language active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


def signed_in(client, user, language: str):
    user.language = language
    user.save()
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's words: tags dropped, spaces squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def dutch_day(moment: dt.datetime, *, year: bool = True) -> str:
    """ "dinsdag 1 december 2026", written out here rather than by Django."""
    local = timezone.localtime(moment)
    day = f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"
    return f"{day} {local.year}" if year else day


# --- The labels themselves ----------------------------------------------------------------------


def test_choice_labels_are_dutch_in_dutch_and_unchanged_in_english():
    with translation.override("nl"):
        assert str(Encounter.Mode.PHONE.label) == "Telefoon"
        assert str(Encounter.Mode.FACE_TO_FACE.label) == "Persoonlijk"
        assert str(Encounter.Initiator.SERVICE.label) == "Zorgverlening"
        assert str(Strategy.GOAL_SETTING.label) == "Doelen stellen"
        assert str(ContextEvent.Kind.BEREAVEMENT.label) == "Overlijden van een naaste"
        assert str(ContextEvent.Kind.OTHER.label) == "Iets anders"
        assert str(GoalReview.Attainment.MORE.label) == "Een beetje meer dan verwacht"
        assert str(Rater.CLINICIAN.label) == "Eigen oordeel van de zorgverlener"
        assert str(Schedule.QUARTERLY.label) == "Eén keer per kwartaal"
        assert str(PatientSummary.Direction.DECLINED.label) == "Achteruitgegaan"
        assert str(AuditEvent.Action.DENIED.label) == "Toegang geweigerd"
        assert str(User.Role.MANAGER.label) == "Manager"
        assert dict(Strategy.choices)["peer_support"] == "Steun van lotgenoten"
    with translation.override("en-gb"):
        assert str(Encounter.Mode.PHONE.label) == "Phone"
        assert str(Encounter.Initiator.SERVICE.label) == "Service"
        assert str(Strategy.GOAL_SETTING.label) == "Goal setting"
        assert str(ContextEvent.Kind.OTHER.label) == "Other"
        assert str(GoalReview.Attainment.MORE.label) == "A bit more than expected"
        assert str(User.Role.MANAGER.label) == "Service manager"
    # the stored codes never change
    assert [code for code, _ in Encounter.Mode.choices] == [
        "face_to_face",
        "phone",
        "video",
        "group",
        "message",
    ]
    assert GoalReview.Attainment.MORE.value == 1


def test_an_encounters_labels_follow_the_language_each_time_they_are_read(patient, clinician):
    encounter = EncounterFactory(
        patient=patient,
        clinician=clinician,
        mode="video",
        strategies=["problem_solving", "family"],
    )
    with translation.override("nl"):
        assert encounter.get_mode_display() == "Video"
        assert [str(s) for s in encounter.strategy_labels] == [
            "Problemen oplossen",
            "Familie of mantelzorgers betrekken",
        ]
    with translation.override("en-gb"):
        assert [str(s) for s in encounter.strategy_labels] == [
            "Problem solving",
            "Involving family or carers",
        ]


def test_a_help_text_shown_in_the_admin_is_dutch_in_dutch():
    field = Encounter._meta.get_field("note")
    with translation.override("nl"):
        assert str(field.help_text) == "Alleen voor medewerkers: de patiënt ziet dit nooit."
    with translation.override("en-gb"):
        assert str(field.help_text) == "Staff only: never shown to the patient."


# --- The clinician's record ---------------------------------------------------------------------


@pytest.fixture
def labelled_record(patient, clinician):
    """An encounter by phone with two strategies, a bereavement, a goal reviewed."""
    EncounterFactory(
        patient=patient,
        clinician=clinician,
        mode="phone",
        initiated_by="service",
        strategies=["goal_setting", "peer_support"],
    )
    ContextEventFactory(patient=patient, kind="bereavement", visible_to_patient=True)
    goal = GoalFactory(patient=patient)
    goal_review_record(
        goal=goal, attainment=1, reviewed_on=timezone.localdate(), reviewed_by=clinician
    )
    return patient


def test_a_dutch_clinician_reads_the_records_labels_in_dutch(client, clinician, labelled_record):
    page = signed_in(client, clinician, "nl").get(
        reverse("clinic:patient", args=[labelled_record.pk])
    )
    assert page.status_code == 200
    words = text_of(page)
    for dutch in (
        "Telefoon",
        "Zorgverlening",
        "Doelen stellen, Steun van lotgenoten",
        "Overlijden van een naaste",
        "een beetje meer dan verwacht (+1)",
    ):
        assert dutch in words, dutch
    for english in ("Phone", "Goal setting", "Peer support", "Bereavement", "a bit more than"):
        assert english not in words, english


def test_an_english_clinician_reads_the_same_labels_in_english(client, clinician, labelled_record):
    page = signed_in(client, clinician, "en-gb").get(
        reverse("clinic:patient", args=[labelled_record.pk])
    )
    words = text_of(page)
    for english in (
        "Phone",
        "Service",
        "Goal setting, Peer support",
        "Bereavement",
        "a bit more than expected (+1)",
    ):
        assert english in words, english
    assert "Telefoon" not in words


def test_the_api_returns_the_same_codes_to_a_dutch_clinician(client, clinician, labelled_record):
    signed_in(client, clinician, "nl")
    listed = client.get(reverse("api-encounters", args=[labelled_record.pk])).json()
    encounter = listed["results"][0]
    assert encounter["mode"] == "phone"
    assert encounter["initiated_by"] == "service"
    assert encounter["strategies"] == ["goal_setting", "peer_support"]


# --- Questionnaire bands ------------------------------------------------------------------------


@pytest.fixture
def ons4_answered(patient, team):
    team_instrument_offer(team=team, instrument="ONS4", schedule="quarterly")
    return response_record(
        patient=patient,
        instrument="ONS4",
        answers={"1": 7, "2": 9, "3": 5, "4": 1},
        completed_on=timezone.localdate(),
        rater="patient",
        entered_by=patient.user,
    )


def test_the_stored_band_stays_an_english_code(ons4_answered):
    assert ons4_answered.scores["life_satisfaction_band"] == "high"
    assert ons4_answered.scores["worthwhile_band"] == "very high"
    assert ons4_answered.scores["anxiety_band"] == "very low"


def test_band_words_are_dutch_in_dutch():
    with translation.override("nl"):
        assert band_words("very high") == "heel hoog"
        assert band_words("medium") == "gemiddeld"
        assert band_words("unknown") == "unknown"
        assert str(BAND_WORDS["very low"]) == "heel laag"
        assert scores_in_words(
            "ONS4",
            {
                "life_satisfaction_band": "high",
                "worthwhile_band": "very high",
                "happiness_band": "medium",
                "anxiety_band": "very low",
            },
        ) == ("Tevredenheid met het leven hoog; zinvol heel hoog; geluk gemiddeld; angst heel laag")
    with translation.override("en-gb"):
        assert band_words("very high") == "very high"


def test_the_record_says_the_bands_in_dutch(client, clinician, patient, ons4_answered):
    words = text_of(
        signed_in(client, clinician, "nl").get(reverse("clinic:patient", args=[patient.pk]))
    )
    assert "Tevredenheid met het leven hoog; zinvol heel hoog" in words
    assert "very high" not in words
    english = text_of(
        signed_in(client, clinician, "en-gb").get(reverse("clinic:patient", args=[patient.pk]))
    )
    assert "Life satisfaction high; worthwhile very high" in english


def test_the_portal_says_the_bands_in_dutch(client, patient, ons4_answered):
    words = text_of(signed_in(client, patient.user, "nl").get(reverse("portal:progress")))
    assert "(hoog)" in words
    assert "(heel hoog)" in words
    assert "(very high)" not in words
    english = text_of(signed_in(client, patient.user, "en-gb").get(reverse("portal:progress")))
    assert "7 out of 10 (high)" in english


# --- Appointment times --------------------------------------------------------------------------


def test_appointment_time_is_said_in_the_active_language():
    moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=timezone.get_current_timezone())
    with translation.override("nl"):
        assert appointment_time(moment) == "dinsdag 1 december 2026 om 10:30"
    with translation.override("nl-be"):
        assert appointment_time(moment) == "dinsdag 1 december 2026 om 10:30"
    with translation.override("en-gb"):
        assert appointment_time(moment) == "Tuesday 1 December 2026 at 10:30"


def test_a_dutch_patients_portal_shows_appointment_times_in_dutch(client, patient, clinician):
    starts_at = in_a_fortnight(hour=9).replace(minute=45)
    AppointmentFactory(patient=patient, clinician=clinician, starts_at=starts_at)
    home = text_of(signed_in(client, patient.user, "nl").get(reverse("portal:home")))
    assert f"{dutch_day(starts_at, year=False)} om 09:45" in home
    agenda = text_of(client.get(reverse("portal:agenda")))
    assert f"{dutch_day(starts_at)} om 09:45" in agenda
    english = text_of(signed_in(client, patient.user, "en-gb").get(reverse("portal:home")))
    assert f"{timezone.localtime(starts_at):%A %-d %B} at 09:45" in english


def test_the_next_appointment_booked_is_said_in_dutch(client, clinician, patient):
    signed_in(client, clinician, "nl")
    response = client.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(next_appointment=typed(in_a_fortnight(15))),
        follow=True,
    )
    words = text_of(response)
    when = f"{dutch_day(in_a_fortnight(15))} om 15:00"
    assert f"Volgende afspraak gemaakt: {when} bij {clinician}." in words
    assert " at 15:00" not in words


def test_the_fhir_export_keeps_its_english_display_text_in_dutch(labelled_record, clinician):
    RatingFactory(patient=labelled_record, rater="proxy", entered_by=clinician)
    with translation.override("nl"):
        bundle = patient_everything(patient=labelled_record)
    resources = [entry["resource"] for entry in bundle["entry"]]
    encounter = next(r for r in resources if r["resourceType"] == "Encounter")
    assert encounter["type"] == [{"text": "Phone"}]
    methods = [r["method"] for r in resources if "method" in r]
    assert methods
    assert {m["coding"][0]["display"] for m in methods} <= {
        "Patient",
        "Proxy (the patient's answer, entered on their behalf)",
        "Clinician's own view",
    }
    assert "Proxy (the patient's answer, entered on their behalf)" in {
        m["coding"][0]["display"] for m in methods
    }


def test_the_records_summary_says_which_way_the_index_went_in_dutch(client, clinician, patient):
    today = timezone.localdate()
    for day, value in ((today - dt.timedelta(days=120), 4), (today, 8)):
        rating_record(patient=patient, element="H2", value=value, rated_on=day, rater="patient")
    patient_summaries_refresh(patient_id=patient.pk)
    assert patient.summaries.order_by("period").last().direction == "improved"
    url = reverse("clinic:patient", args=[patient.pk])
    words = text_of(signed_in(client, clinician, "nl").get(url))
    assert "vooruitgegaan sinds het kwartaal ervoor (+40" in words
    assert "improved" not in words
    english = text_of(signed_in(client, clinician, "en-gb").get(url))
    assert "improved since the quarter before (+40.0" in english


def test_the_context_dashboard_names_each_kind_of_event_in_the_pages_language():
    figures = {"context_kinds": {"bereavement": 6, "admission": 7}}
    with translation.override("nl"):
        kinds = context_shown(figures)["kinds"]
        assert [str(kind.spec.label) for kind in kinds] == [
            "Opname in het ziekenhuis",
            "Overlijden van een naaste",
        ]
    with translation.override("en-gb"):
        assert [str(kind.spec.label) for kind in kinds] == ["Hospital admission", "Bereavement"]
