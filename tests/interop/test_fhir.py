"""FHIR R4 export of a patient's record and import of readings, with data made by the services."""

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from assessments.models import Reading
from assessments.services import (
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
    reading_record,
    target_set,
)
from indicators.models import PatientSummary
from indicators.services import patient_summaries_compute
from interop.fhir import FRAMEWORK, LOINC, SUMMARY, UCUM, observations_import, patient_everything
from patients.models import Encounter
from patients.services import condition_record, encounter_record
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 8, 12)  # 2026Q3
STAFF_NOTE = "Staff only: worried about things at home"


def encounter(patient, clinician, at=dt.datetime(2026, 8, 12, 9, 0, tzinfo=dt.UTC), **changes):
    fields = {"mode": "video", "initiated_by": "patient", "duration_minutes": 20}
    return encounter_record(patient=patient, clinician=clinician, occurred_at=at,
                            note=STAFF_NOTE, **{**fields, **changes})  # fmt: skip


@pytest.fixture
def record(patient, clinician):
    """One of every kind of record, plus the stored summary of their quarter."""
    condition_record(patient=patient, snomed_code="49049000", onset=dt.date(2019, 3, 1),
                     stage=Decimal("2.5"))  # fmt: skip
    visit = encounter(patient, clinician)
    hba1c = reading_record(patient=patient, loinc="59261-8", value="52", unit="mmol/mol",
                           taken_on=DAY, recorded_by=clinician, encounter=visit)  # fmt: skip
    target_set(patient=patient, loinc="59261-8", low=48, high=58, set_by=clinician)
    reading_record(patient=patient, loinc="29463-7", value="61.5", unit="kg", taken_on=DAY)
    target_set(patient=patient, loinc="29463-7", relevant=False,
               reason="Losing weight without trying", set_by=clinician)  # fmt: skip
    item = personal_item_create(patient=patient, label="Playing with my grandchildren", domain="H")
    rating_record(patient=patient, element="H2", value=7, rated_on=DAY, rater="patient",
                  entered_by=patient.user)  # fmt: skip
    rating_record(patient=patient, element=item.key, value=8, rated_on=DAY, rater="patient",
                  entered_by=patient.user)  # fmt: skip
    rating_record(patient=patient, element="M2", value=5, rated_on=DAY, rater="proxy",
                  entered_by=clinician, encounter=visit)  # fmt: skip
    rating_record(patient=patient, element="R4", value=9, rated_on=DAY, rater="clinician",
                  entered_by=clinician)  # fmt: skip
    priorities = priorities_set(patient=patient, effective_from=dt.date(2026, 7, 1),
                                points={"H2": 50, item.key: 30, "M2": 20})  # fmt: skip
    goal = goal_create(patient=patient, description="Walk to the shops and back", domain="H",
                       importance=3, baseline_on=dt.date(2026, 7, 20))  # fmt: skip
    goal_review_record(goal=goal, attainment=1, reviewed_on=DAY, reviewed_by=clinician)
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    return SimpleNamespace(visit=visit, hba1c=hba1c, item=item, goal=goal, priorities=priorities)


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def observation(bundle, id_):
    return next(r for r in resources(bundle, "Observation") if r["id"] == id_)


def codes(resource):
    return {(c["system"], c["code"]) for c in resource["code"]["coding"]}


def references(value):
    """Every ``reference`` anywhere inside a resource."""
    if isinstance(value, dict):
        yield from ([value["reference"]] if "reference" in value else [])
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def summary_figures(patient):
    fields = ["index", "coverage", "h_score", "m_score", "r_score", "goal_attainment"]
    summaries = PatientSummary.objects.filter(patient=patient).values_list(*fields)
    return sum(value is not None for row in summaries for value in row)


# --- Export ----------------------------------------------------------------------------------


def test_the_export_is_a_valid_fhir_r4_collection_bundle(patient, record):
    bundle = patient_everything(patient=patient)

    assert Bundle.model_validate(bundle).type == "collection"
    assert json.loads(json.dumps(bundle)) == bundle


def test_the_export_holds_one_resource_per_record(patient, record):
    bundle = patient_everything(patient=patient)

    figures = summary_figures(patient)
    assert figures >= 4  # index, coverage, domain H and M, goal attainment at least
    # 2 readings, 4 ratings, the summary figures, 1 goal review, 1 priority set
    assert Counter(e["resource"]["resourceType"] for e in bundle["entry"]) == {
        "Patient": 1, "Condition": 1, "Encounter": 1, "Goal": 1, "Observation": 8 + figures,
    }  # fmt: skip


def test_every_reference_points_at_an_entry_of_the_bundle(patient, record):
    bundle = patient_everything(patient=patient)

    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(url.startswith("urn:uuid:") for url in full_urls)
    assert len(full_urls) == len(bundle["entry"])
    assert set(references(bundle)) <= full_urls
    assert resources(bundle, "Patient")[0]["birthDate"] == "1955"


def test_the_staff_note_never_appears_in_the_export(patient, record):
    assert Encounter.objects.get(pk=record.visit.pk).note == STAFF_NOTE

    bundle = patient_everything(patient=patient)

    assert STAFF_NOTE not in json.dumps(bundle)
    assert "Losing weight without trying" not in json.dumps(bundle)


def test_a_condition_carries_its_snomed_code_onset_and_stage(patient, record):
    (condition,) = resources(patient_everything(patient=patient), "Condition")

    assert codes(condition) == {("http://snomed.info/sct", "49049000")}
    assert condition["onsetDateTime"] == "2019-03-01"
    assert condition["stage"][0]["summary"]["text"] == "Hoehn and Yahr 2.5"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"


def test_an_encounter_carries_its_class_period_length_and_clinician(patient, clinician, record):
    (visit,) = resources(patient_everything(patient=patient), "Encounter")

    assert visit["status"] == "finished"
    assert visit["class"]["code"] == "VR"
    assert visit["period"] == {"start": "2026-08-12T10:00:00+01:00",
                               "end": "2026-08-12T10:20:00+01:00"}  # fmt: skip
    assert visit["length"] == {"value": 20, "unit": "min", "system": UCUM, "code": "min"}
    assert visit["participant"][0]["individual"]["display"] == str(clinician)


def test_a_reading_is_an_observation_with_loinc_code_ucum_unit_and_personal_target(patient, record):
    bundle = patient_everything(patient=patient)
    hba1c = observation(bundle, f"reading-{record.hba1c.pk}")

    assert codes(hba1c) == {(LOINC, "59261-8")}
    assert hba1c["valueQuantity"] == {"value": 52.0, "unit": "mmol/mol", "system": UCUM,
                                      "code": "mmol/mol"}  # fmt: skip
    assert hba1c["effectiveDateTime"] == "2026-08-12"
    assert hba1c["category"][0]["coding"][0]["code"] == "laboratory"
    assert hba1c["referenceRange"][0]["low"]["value"] == 48.0
    assert hba1c["referenceRange"][0]["high"]["value"] == 58.0
    visit = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert hba1c["encounter"]["reference"] == visit["fullUrl"]


def test_a_reading_of_a_marker_not_relevant_for_the_person_says_so(patient, record):
    bundle = patient_everything(patient=patient)
    (weight,) = [o for o in resources(bundle, "Observation") if (LOINC, "29463-7") in codes(o)]

    assert weight["valueQuantity"]["code"] == "kg"
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    assert "not relevant" in weight["note"][0]["text"]
    assert "referenceRange" not in weight


def test_ratings_carry_the_framework_code_system_element_key_and_rater(patient, record):
    bundle = patient_everything(patient=patient)
    ratings = {
        o["code"]["coding"][0]["code"]: o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == FRAMEWORK
    }

    assert set(ratings) == {"H2", record.item.key, "M2", "R4"}
    assert ratings["H2"]["valueInteger"] == 7
    assert ratings[record.item.key]["code"]["coding"][0]["display"] == (
        "Playing with my grandchildren"
    )
    assert {key: r["method"]["coding"][0]["code"] for key, r in ratings.items()} == {
        "H2": "patient", record.item.key: "patient", "M2": "proxy", "R4": "clinician"
    }  # fmt: skip
    assert ratings["H2"]["performer"][0]["display"] == "Pat P. (patient)"
    assert "clinician's own view" in ratings["R4"]["performer"][0]["display"]


def test_a_goal_and_its_attainment_review_refer_to_each_other(patient, record):
    bundle = patient_everything(patient=patient)
    goal_entry = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    (review,) = [o for o in resources(bundle, "Observation") if (SUMMARY, "gas-attainment")
                 in codes(o)]  # fmt: skip

    goal = goal_entry["resource"]
    assert goal["description"]["text"] == "Walk to the shops and back"
    assert goal["lifecycleStatus"] == "active"
    assert goal["priority"]["coding"][0]["code"] == "high-priority"
    assert goal["startDate"] == "2026-07-20"
    assert review["focus"] == [{"reference": goal_entry["fullUrl"]}]
    assert review["valueInteger"] == 1
    assert review["effectiveDateTime"] == "2026-08-12"


def test_the_priority_set_components_carry_the_points(patient, record):
    bundle = patient_everything(patient=patient)
    priorities = observation(bundle, f"priority-set-{record.priorities.pk}")

    assert codes(priorities) == {(SUMMARY, "priority-set")}
    assert priorities["effectiveDateTime"] == "2026-07-01"
    assert {
        (c["code"]["coding"][0]["system"], c["code"]["coding"][0]["code"]): c["valueInteger"]
        for c in priorities["component"]
    } == {(FRAMEWORK, "H2"): 50, (FRAMEWORK, record.item.key): 30, (FRAMEWORK, "M2"): 20}


def test_stored_summaries_are_observations_over_their_quarter(patient, record):
    bundle = patient_everything(patient=patient)
    summary = PatientSummary.objects.get(patient=patient, period="2026Q3")
    figures = {
        o["code"]["coding"][0]["code"]: o
        for o in resources(bundle, "Observation")
        if o["id"].startswith(f"summary-{summary.pk}-")
    }

    assert {"index", "coverage", "domain-H", "domain-M", "goal-attainment"} <= set(figures)
    assert figures["index"]["valueQuantity"]["value"] == pytest.approx(summary.index)
    assert figures["index"]["effectivePeriod"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert ("domain-R" in figures) == (summary.r_score is not None)


def add_records(patient, clinician, n):
    for i in range(n):
        day = DAY - dt.timedelta(days=i)
        visit = encounter(patient, clinician, at=dt.datetime(2026, 7, 1 + i, 9, tzinfo=dt.UTC))
        reading_record(patient=patient, loinc="8480-6", value=130 + i, unit="mm[Hg]",
                       taken_on=day, encounter=visit)  # fmt: skip
        rating_record(patient=patient, element="H1", value=i % 11, rated_on=day, rater="patient")
        goal = goal_create(patient=patient, description=f"Goal {i}", domain="M", baseline_on=day)
        goal_review_record(goal=goal, attainment=0, reviewed_on=day, encounter=visit)
        priorities_set(patient=patient, effective_from=day, points={"H1": 10 + i})


def test_export_queries_do_not_grow_with_the_number_of_records(
    patient, clinician, django_assert_max_num_queries
):
    add_records(patient, clinician, 1)
    with CaptureQueriesContext(connection) as few:
        patient_everything(patient=patient)
    add_records(patient, clinician, 9)

    with django_assert_max_num_queries(len(few.captured_queries)):
        bundle = patient_everything(patient=patient)

    assert len(resources(bundle, "Encounter")) == 10
    assert len(resources(bundle, "Observation")) == 40  # readings, ratings, reviews, priorities


# --- Import ----------------------------------------------------------------------------------


def fhir_observation(loinc="59261-8", value=52, unit="mmol/mol", when="2026-08-12T09:30:00+01:00"):
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }
    return {**resource, "effectiveDateTime": when} if when else resource


def bundle_of(*observations):
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": o} for o in observations]}  # fmt: skip


def test_importing_an_observation_records_a_reading(patient, clinician):
    (reading,) = observations_import(patient=patient, payload=fhir_observation(), user=clinician)

    stored = Reading.objects.get(pk=reading.pk)
    assert stored.patient == patient
    assert stored.marker.loinc == "59261-8"
    assert stored.value == Decimal("52.00")
    assert stored.taken_on == DAY
    assert stored.recorded_by == clinician


def test_importing_a_bundle_of_two_observations_records_two_readings(patient, clinician):
    payload = bundle_of(
        fhir_observation("8480-6", 128, "mm[Hg]", "2026-08-01"),
        fhir_observation("8462-4", 82, "mm[Hg]", "2026-08-01"),
    )

    readings = observations_import(patient=patient, payload=payload, user=clinician)

    assert len(readings) == 2
    stored = Reading.objects.filter(patient=patient).values_list("marker__loinc", "value")
    assert sorted(stored) == [("8462-4", Decimal("82.00")), ("8480-6", Decimal("128.00"))]


def test_an_observation_about_another_patient_is_refused_naming_subject(patient, clinician):
    other = PatientFactory()
    theirs = {**fhir_observation(), "subject": {"reference": f"Patient/{other.pk}"}}
    mine = {
        **fhir_observation(),
        "subject": {"reference": f"https://ssm.example/Patient/{patient.pk}"},
    }
    no_id = {**fhir_observation(), "subject": {"display": "Ada L."}}

    with pytest.raises(ValidationError) as refused:
        observations_import(patient=patient, payload=bundle_of(mine, theirs), user=clinician)

    assert refused.value.message_dict == {
        "entry[1].subject": [f"subject must be Patient/{patient.pk}, the patient in the address"]
    }
    assert not Reading.objects.exists()  # all or nothing
    assert (
        len(observations_import(patient=patient, payload=bundle_of(mine, no_id), user=clinician))
        == 2
    )


def test_an_imported_observation_may_name_the_unit_by_its_display_text(patient, clinician):
    payload = fhir_observation("8480-6", 128, "mm[Hg]")
    payload["valueQuantity"] = {"value": 128, "unit": "mmHg"}

    (reading,) = observations_import(patient=patient, payload=payload, user=clinician)

    assert reading.value == Decimal("128.00")


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        (bundle_of(fhir_observation(), fhir_observation("1234-5")), "entry[1].code",
         "LOINC 1234-5 is not a supported marker (supported: "),
        (fhir_observation(unit="%"), "valueQuantity",
         "unit must be mmol/mol for HbA1c (IFCC) (59261-8)"),
        ({"resourceType": "Patient"}, "resourceType", "expected Observation or Bundle"),
        (bundle_of(fhir_observation(), {"resourceType": "Patient"}), "entry[1].resourceType",
         "expected Observation"),
        (bundle_of(fhir_observation(when=None)), "entry[0].effectiveDateTime",
         "a date is required"),
        (fhir_observation(value="lots"), "valueQuantity.value", "Decimal"),
        (bundle_of(fhir_observation(), fhir_observation(value=900)), "entry[1].valueQuantity.value",
         "value must be between 20.00 and 200.00"),
        (fhir_observation(when="2026-08"), "effectiveDateTime", "a full date (YYYY-MM-DD)"),
    ],
    ids=["unsupported-loinc", "wrong-unit", "not-an-observation", "entry-not-an-observation",
         "missing-date", "not-a-number", "implausible-value", "partial-date"],
)  # fmt: skip
def test_an_import_that_breaks_a_rule_names_the_field_and_saves_nothing(
    patient, clinician, payload, field, rule
):
    before = Reading.objects.count()

    with pytest.raises(ValidationError) as raised:
        observations_import(patient=patient, payload=payload, user=clinician)

    assert field in raised.value.message_dict
    assert any(rule in message for message in raised.value.message_dict[field])
    assert Reading.objects.count() == before


@pytest.mark.django_db
def test_exported_bundles_of_demo_patients_validate_as_fhir_r4():
    import datetime as dt

    from fhir.resources.R4B.bundle import Bundle

    from demo.cohort import demo_cohort_create
    from indicators.services import summaries_rebuild_all
    from interop.fhir import patient_everything
    from patients.models import Patient

    demo_cohort_create(patients=12, seed=11, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_all()
    checked = 0
    for patient in Patient.objects.all():
        bundle = patient_everything(patient=patient)
        Bundle.model_validate(bundle)
        assert len(bundle["entry"]) > 10
        checked += 1
    assert checked == 12  # demo-patient is one of them


FHIR_JSON = "application/fhir+json"


@pytest.mark.parametrize("accept", [FHIR_JSON, f"{FHIR_JSON}; fhirVersion=4.0", "application/json"])
def test_the_fhir_reads_answer_a_client_asking_for_fhir_json(patient, accept):
    """A FHIR client asks for application/fhir+json, the type these routes answer in (it was
    refused 406: the API offered application/json only)."""
    from tests.api.conftest import client_for

    client = client_for(patient.user)
    everything = f"/api/v1/fhir/Patient/{patient.pk}/$everything"
    for url in (everything, "/api/v1/fhir/Questionnaire/PHQ2"):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (url, response.content)
        assert response["Content-Type"] == FHIR_JSON
        assert response.json()["resourceType"] in ("Bundle", "Questionnaire")


def test_an_observation_sent_as_fhir_json_is_imported(patient, clinician):
    from tests.api.conftest import client_for

    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "59261-8"}]},
        "valueQuantity": {"value": 50, "unit": "mmol/mol", "system": UCUM, "code": "mmol/mol"},
        "effectiveDateTime": "2026-02-01",
    }
    response = client_for(clinician).generic(
        "POST", f"/api/v1/fhir/Patient/{patient.pk}/Observation/", json.dumps(observation),
        content_type=FHIR_JSON, HTTP_ACCEPT=FHIR_JSON,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert [float(r.value) for r in patient.readings.all()] == [50.0]
