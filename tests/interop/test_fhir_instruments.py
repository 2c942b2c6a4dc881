"""Validated instruments in FHIR R4: each one as a Questionnaire over the API, and a patient's
responses in $everything as QuestionnaireResponses with an Observation per score, whose values
are what score() gives the answers read back from the QuestionnaireResponse."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from assessments.instruments import (
    INSTRUMENTS,
    register_metric_conversion,
    register_value_set,
    score,
)
from assessments.responses import instrument_pack_install, response_record
from interop.codes import (
    LOINC,
    ORDINAL_VALUE,
    answer_system,
    instrument_scores_system,
    questionnaire_url,
)
from interop.fhir import patient_everything
from patients.services import encounter_record
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 8, 12)
OPEN = [code for code, form in INSTRUMENTS.items() if form.licence.ships_wording]
LICENSED = [code for code, form in INSTRUMENTS.items() if not form.licence.ships_wording]
STAFF_NOTE = "Staff only: worried about things at home"


@pytest.fixture
def as_clinician(clinician):
    return client_for(clinician)


@pytest.fixture
def as_patient(patient):
    return client_for(patient.user)


@pytest.fixture
def anonymous():
    return client_for(None)


def url(code):
    return f"/api/v1/fhir/Questionnaire/{code}"


def placeholder_pack(code):
    """A pack that fits the instrument, in placeholder words (the real wording is licensed)."""
    form = INSTRUMENTS[code]
    return {
        "instrument": code,
        "language": "en-gb",
        "version": "Test pack 1",
        "instructions": "Placeholder instructions.",
        "items": {
            item.link_id: {
                "text": f"Placeholder question {item.link_id}",
                "options": {str(v): f"Placeholder label {v}" for v in item.labelled_values},
            }
            for item in form.items
        },
    }


def answers_for(code, skip_first=False):
    """An answer to every item (a different place on each scale), the first skipped if asked."""
    form = INSTRUMENTS[code]
    answers = {
        item.link_id: item.values[(3 * n + 1) % len(item.values)]
        for n, item in enumerate(form.items)
    }
    if skip_first:
        answers[form.items[0].link_id] = None
    return answers


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def full_url(bundle, resource):
    return next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is resource)


def instrument_code(questionnaire_response):
    return questionnaire_response["questionnaire"].rsplit("/", 1)[1]


def answers_read_back(questionnaire_response):
    """The answers as a receiver reads them: link id to the coded value, in the answer system."""
    code = instrument_code(questionnaire_response)
    answers = {}
    for item in questionnaire_response["item"]:
        (answer,) = item["answer"]
        assert answer["valueCoding"]["system"] == answer_system(code)
        answers[item["linkId"]] = int(answer["valueCoding"]["code"])
    return answers


def observation_value(observation):
    for field in ("valueInteger", "valueBoolean", "valueString"):
        if field in observation:
            return observation[field]
    return observation["valueQuantity"]["value"]


def scores_of(bundle, questionnaire_response):
    """The score Observations derived from a QuestionnaireResponse, by score key."""
    reference = full_url(bundle, questionnaire_response)
    code = instrument_code(questionnaire_response)
    found = {}
    for observation in resources(bundle, "Observation"):
        if observation.get("derivedFrom") == [{"reference": reference}]:
            (ours,) = [
                c
                for c in observation["code"]["coding"]
                if c["system"] == instrument_scores_system()
            ]
            instrument, key = ours["code"].split(".", 1)
            assert instrument == code
            found[key] = observation_value(observation)
    return found


# --- The Questionnaire -----------------------------------------------------------------------


@pytest.mark.parametrize("code", OPEN)
def test_an_open_instrument_is_a_questionnaire_that_matches_the_library(as_clinician, code):
    form = INSTRUMENTS[code]

    response = as_clinician.get(url(code))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    parsed = Questionnaire.model_validate(json.loads(response.content))
    assert (parsed.id, parsed.url, parsed.name, parsed.title) == (
        code,
        questionnaire_url(code),
        code,
        form.name,
    )
    assert (parsed.version, parsed.status, parsed.copyright) == (
        form.version,
        "active",
        form.licence.notice,
    )
    assert [item.linkId for item in parsed.item] == list(form.link_ids)
    assert [item.text for item in parsed.item] == [item.text for item in form.items]
    for question, item in zip(parsed.item, form.items, strict=True):
        assert (question.type, question.required) == ("choice", False)
        codings = [option.valueCoding for option in question.answerOption]
        assert {c.system for c in codings} == {answer_system(code)}
        assert [c.code for c in codings] == [str(v) for v in item.values]
        assert [c.display for c in codings] == [o.label or str(o.value) for o in item.options]
        ordinals = [
            [(e.url, e.valueDecimal) for e in c.extension] for c in codings
        ]  # fmt: skip
        assert ordinals == [[(ORDINAL_VALUE, v)] for v in item.values]


def test_the_phq2_options_read_as_published(as_patient):
    body = as_patient.get(url("PHQ2")).json()

    first = body["item"][0]
    assert first["text"] == "Little interest or pleasure in doing things"
    assert first["answerOption"][3]["valueCoding"] == {
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 3}],
        "system": answer_system("PHQ2"),
        "code": "3",
        "display": "Nearly every day",
    }


def test_the_canonical_url_is_under_the_sites_own_address(as_clinician, settings):
    settings.SITE_URL = "https://outcomes.example.nhs.uk/"

    body = as_clinician.get(url("GAD2")).json()

    assert body["url"] == "https://outcomes.example.nhs.uk/fhir/Questionnaire/GAD2"
    system = body["item"][0]["answerOption"][0]["valueCoding"]["system"]
    assert system == "https://outcomes.example.nhs.uk/fhir/CodeSystem/instrument-GAD2"


@pytest.mark.parametrize("code", LICENSED)
def test_a_licensed_instrument_without_its_pack_has_no_item_texts(as_clinician, code):
    body = as_clinician.get(url(code)).json()

    Questionnaire.model_validate(body)
    assert all("text" not in item for item in body["item"])
    assert body["copyright"] == INSTRUMENTS[code].licence.notice
    displays = {o["valueCoding"]["display"] for item in body["item"] for o in item["answerOption"]}
    assert displays <= {str(v) for item in INSTRUMENTS[code].items for v in item.values}


@pytest.mark.parametrize("code", LICENSED)
def test_once_a_pack_is_installed_its_texts_and_labels_appear(as_clinician, code):
    instrument_pack_install(placeholder_pack(code))

    body = as_clinician.get(url(code)).json()

    Questionnaire.model_validate(body)
    assert [item["text"] for item in body["item"]] == [
        f"Placeholder question {item.link_id}" for item in INSTRUMENTS[code].items
    ]
    first = INSTRUMENTS[code].items[0]
    low = body["item"][0]["answerOption"][0]["valueCoding"]
    assert low["display"] == f"Placeholder label {first.values[0]}"
    assert body["copyright"] == INSTRUMENTS[code].licence.notice


def test_an_unknown_questionnaire_is_a_404_naming_the_known_ones(as_clinician):
    response = as_clinician.get(url("PHQ9"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "No questionnaire 'PHQ9': the questionnaires are "
        "ONS4, SEMCD6, PHQ2, GAD2, COLLABORATE, EQ5D5L, SWEMWBS."
    }


def test_questionnaires_are_for_signed_in_users_of_any_role(anonymous, patient, manager):
    assert anonymous.get(url("PHQ2")).status_code == 401
    assert client_for(patient.user).get(url("PHQ2")).status_code == 200
    assert client_for(manager).get(url("PHQ2")).status_code == 200


def test_the_questionnaire_route_is_in_the_openapi_schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = response.json()["paths"]["/api/v1/fhir/Questionnaire/{code}"]["get"]

    (parameter,) = operation["parameters"]
    assert sorted(parameter["schema"]["enum"]) == sorted(INSTRUMENTS)
    assert "application/fhir+json" in operation["responses"]["200"]["content"]


# --- Responses in $everything ----------------------------------------------------------------


@pytest.fixture
def every_instrument(patient):
    """One response to each instrument, the first item skipped where scoring allows it."""
    skippable = {"ONS4", "SEMCD6", "EQ5D5L"}
    return {
        code: response_record(
            patient=patient,
            instrument=code,
            answers=answers_for(code, skip_first=code in skippable),
            completed_on=DAY,
            rater="patient",
            entered_by=patient.user,
        )
        for code in INSTRUMENTS
    }


def test_the_bundle_with_every_instrument_validates_as_fhir_r4(patient, every_instrument):
    bundle = patient_everything(patient=patient)

    Bundle.model_validate(bundle)
    responses = resources(bundle, "QuestionnaireResponse")
    assert sorted(instrument_code(r) for r in responses) == sorted(INSTRUMENTS)
    for response in responses:
        QuestionnaireResponse.model_validate(response)
        assert (response["status"], response["authored"]) == ("completed", "2026-08-12")
        patient_url = full_url(bundle, resources(bundle, "Patient")[0])
        assert response["subject"]["reference"] == patient_url


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_the_fhir_scores_are_what_score_gives_the_answers_read_back(
    patient, every_instrument, code
):
    bundle = patient_everything(patient=patient)
    (response,) = [r for r in resources(bundle, "QuestionnaireResponse")
                   if instrument_code(r) == code]  # fmt: skip

    answers = answers_read_back(response)

    expected = {key: value for key, value in score(code, answers).items() if value is not None}
    assert expected  # each instrument gives at least one score for these answers
    assert scores_of(bundle, response) == expected
    assert answers == {k: v for k, v in every_instrument[code].answers.items() if v is not None}


def test_a_skipped_item_is_left_out_of_the_questionnaire_response(patient, every_instrument):
    bundle = patient_everything(patient=patient)
    (semcd6,) = [r for r in resources(bundle, "QuestionnaireResponse")
                 if instrument_code(r) == "SEMCD6"]  # fmt: skip

    assert [item["linkId"] for item in semcd6["item"]] == ["2", "3", "4", "5", "6"]
    assert semcd6["item"][0]["text"] == INSTRUMENTS["SEMCD6"].item("2").text


def test_answers_carry_the_label_or_the_number_and_licensed_items_have_no_text(patient):
    response_record(patient=patient, instrument="PHQ2", answers={"1": 2, "2": 0},
                    completed_on=DAY, rater="patient", entered_by=patient.user)  # fmt: skip
    response_record(patient=patient, instrument="SWEMWBS", answers={str(n): 3 for n in range(1, 8)},
                    completed_on=DAY, rater="patient", entered_by=patient.user)  # fmt: skip
    bundle = patient_everything(patient=patient)
    by_code = {instrument_code(r): r for r in resources(bundle, "QuestionnaireResponse")}
    phq2, swemwbs = by_code["PHQ2"], by_code["SWEMWBS"]

    assert phq2["item"][0]["answer"][0]["valueCoding"] == {
        "system": answer_system("PHQ2"), "code": "2", "display": "More than half the days"
    }  # fmt: skip
    assert all("text" not in item for item in swemwbs["item"])
    assert swemwbs["item"][0]["answer"][0]["valueCoding"]["display"] == "3"


def test_each_kind_of_score_has_its_fhir_value_type_and_phq2_its_loinc_code(patient):
    response_record(patient=patient, instrument="PHQ2", answers={"1": 2, "2": 2},
                    completed_on=DAY, rater="patient", entered_by=patient.user)  # fmt: skip
    response_record(patient=patient, instrument="ONS4",
                    answers={"1": 8, "2": 7, "3": 6, "4": 2}, completed_on=DAY, rater="patient",
                    entered_by=patient.user)  # fmt: skip
    response_record(patient=patient, instrument="SEMCD6",
                    answers={"1": 7, "2": 8, "3": 6, "4": 6, "5": 7, "6": 7}, completed_on=DAY,
                    rater="patient", entered_by=patient.user)  # fmt: skip
    bundle = patient_everything(patient=patient)
    by_code = {
        c["code"]: o
        for o in resources(bundle, "Observation")
        for c in o["code"]["coding"]
        if c["system"] == instrument_scores_system()
    }

    assert by_code["PHQ2.score"]["valueInteger"] == 4
    assert by_code["PHQ2.positive"]["valueBoolean"] is True
    assert by_code["ONS4.anxiety_band"]["valueString"] == "low"
    assert by_code["SEMCD6.score"]["valueQuantity"]["value"] == pytest.approx(41 / 6)
    assert {(c["system"], c["code"]) for c in by_code["PHQ2.score"]["code"]["coding"]} == {
        (instrument_scores_system(), "PHQ2.score"), (LOINC, "55758-7")
    }  # fmt: skip
    assert all(
        c["system"] != LOINC for key, o in by_code.items() if key != "PHQ2.score"
        for c in o["code"]["coding"]
    )  # fmt: skip
    assert by_code["PHQ2.score"]["category"][0]["coding"][0]["code"] == "survey"
    assert by_code["PHQ2.score"]["effectiveDateTime"] == "2026-08-12"


def test_a_score_that_could_not_be_given_has_no_observation(patient):
    response_record(patient=patient, instrument="PHQ2", answers={"1": 2, "2": None},
                    completed_on=DAY, rater="patient", entered_by=patient.user)  # fmt: skip
    bundle = patient_everything(patient=patient)

    (response,) = resources(bundle, "QuestionnaireResponse")
    assert [item["linkId"] for item in response["item"]] == ["1"]
    assert scores_of(bundle, response) == {}


@pytest.fixture
def licensed_hooks():
    """Toy hooks (not the licensed tables) so that the EQ-5D-5L index and SWEMWBS metric score
    exist as decimals."""
    value_set = register_value_set("EQ5D5L", lambda profile: 1 - int(profile) / 100000)
    conversion = register_metric_conversion("SWEMWBS", lambda raw: raw * 0.75)
    yield
    register_value_set("EQ5D5L", value_set)
    register_metric_conversion("SWEMWBS", conversion)


def test_decimal_scores_of_installed_hooks_are_quantities_equal_to_score(patient, licensed_hooks):
    for code in ("EQ5D5L", "SWEMWBS"):
        response_record(patient=patient, instrument=code, answers=answers_for(code),
                        completed_on=DAY, rater="patient", entered_by=patient.user)  # fmt: skip
    bundle = patient_everything(patient=patient)

    for response in resources(bundle, "QuestionnaireResponse"):
        code = instrument_code(response)
        assert scores_of(bundle, response) == score(code, answers_read_back(response))
    index = [o for o in resources(bundle, "Observation") if o["id"].endswith("-index")]
    assert index[0]["valueQuantity"]["code"] == "{score}"


def test_a_proxy_response_names_who_entered_it_and_refers_to_its_encounter(patient, clinician):
    visit = encounter_record(patient=patient, clinician=clinician, mode="video",
                             initiated_by="patient", duration_minutes=20, note=STAFF_NOTE,
                             occurred_at=dt.datetime(2026, 8, 12, 9, tzinfo=dt.UTC))  # fmt: skip
    response_record(patient=patient, instrument="GAD2", answers={"1": 1, "2": 1},
                    completed_on=DAY, rater="proxy", entered_by=clinician,
                    encounter=visit)  # fmt: skip

    bundle = patient_everything(patient=patient)

    (response,) = resources(bundle, "QuestionnaireResponse")
    patient_url = full_url(bundle, resources(bundle, "Patient")[0])
    encounter_url = full_url(bundle, resources(bundle, "Encounter")[0])
    assert response["author"] == {
        "display": f"{clinician}, entering the patient's own answers (proxy)"
    }
    assert response["source"]["reference"] == patient_url
    assert response["encounter"] == {"reference": encounter_url}
    observations = [o for o in resources(bundle, "Observation") if "derivedFrom" in o]
    assert {o["encounter"]["reference"] for o in observations} == {encounter_url}
    assert STAFF_NOTE not in json.dumps(bundle)
    Bundle.model_validate(bundle)


def test_a_patients_own_response_is_authored_by_the_patient(patient, every_instrument):
    bundle = patient_everything(patient=patient)
    patient_url = full_url(bundle, resources(bundle, "Patient")[0])

    for response in resources(bundle, "QuestionnaireResponse"):
        assert response["author"]["reference"] == patient_url
        assert response["source"]["reference"] == patient_url
        assert response["questionnaire"] == questionnaire_url(instrument_code(response))


def test_export_queries_do_not_grow_with_the_number_of_responses(
    patient, django_assert_max_num_queries
):
    def respond(day):
        response_record(patient=patient, instrument="PHQ2", answers={"1": 1, "2": 2},
                        completed_on=day, rater="patient", entered_by=patient.user)  # fmt: skip

    respond(DAY)
    with CaptureQueriesContext(connection) as few:
        patient_everything(patient=patient)
    for days in range(1, 10):
        respond(DAY - dt.timedelta(days=days))

    with django_assert_max_num_queries(len(few.captured_queries)):
        bundle = patient_everything(patient=patient)

    assert len(resources(bundle, "QuestionnaireResponse")) == 10
