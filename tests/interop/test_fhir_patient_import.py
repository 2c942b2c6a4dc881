"""POST /api/v1/fhir/: patients and conditions from a record system as a transaction Bundle."""

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from patients.models import AuditEvent, Condition, Patient, PatientImport
from tests.factories import MembershipFactory

SNOMED = "http://snomed.info/sct"


def patient_entry(uid, local_id, name="Ann A.", born="1950-04-02", **more):
    return {
        "fullUrl": f"urn:uuid:{uid}",
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "https://riverside.example/id", "value": local_id}],
            "name": [{"text": name}],
            "birthDate": born,
            **more,
        },
        "request": {"method": "POST", "url": "Patient"},
    }


def condition_entry(uid, code, onset=None):
    resource = {
        "resourceType": "Condition",
        "subject": {"reference": f"urn:uuid:{uid}"},
        "code": {"coding": [{"system": SNOMED, "code": code}]},
    }
    if onset:
        resource["onsetDateTime"] = onset
    return {"resource": resource, "request": {"method": "POST", "url": "Condition"}}


def bundle(*entries):
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


BUNDLE = bundle(
    patient_entry(
        "a1", "R-1",
        telecom=[{"system": "email", "value": "ann@example.org"}],
        communication=[{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "nl-BE"}]}}],
    ),
    condition_entry("a1", "44054006", "2019-03"),
    patient_entry("b2", "R-2", name="Bob B.", born="1961"),
)  # fmt: skip


@pytest.fixture
def api(clinician):
    client = APIClient()
    client.force_authenticate(clinician)
    return client


def post(api, payload, query=""):
    return api.post(f"/api/v1/fhir/{query}", payload, format="json")


@pytest.mark.django_db
def test_a_transaction_creates_patients_and_conditions(api, team, clinician):
    response = post(api, BUNDLE)
    assert response.status_code == 200, response.json()
    answer = response.json()
    ann = Patient.objects.get(local_ids__value="R-1", local_ids__team=team)
    bob = Patient.objects.get(local_ids__value="R-2")
    condition = Condition.objects.get(patient=ann)
    assert answer == {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {"response": {"status": "201 Created", "location": f"Patient/{ann.pk}"}},
            {"response": {"status": "201 Created", "location": f"Condition/{condition.pk}"}},
            {"response": {"status": "201 Created", "location": f"Patient/{bob.pk}"}},
        ],
    }
    assert (ann.display_name, ann.birth_year, ann.email, ann.language) == (
        "Ann A.", 1950, "ann@example.org", "nl-be",
    )  # fmt: skip
    assert condition.onset == dt.date(2019, 3, 1)
    assert bob.birth_year == 1961
    assert AuditEvent.objects.filter(actor=clinician, what="patient import").count() == 2
    assert PatientImport.objects.get().source == "fhir"


@pytest.mark.django_db
def test_a_transaction_sent_as_fhir_json_is_read_and_answered_as_fhir_json(api, team):
    """A FHIR client sends and asks for FHIR's own media type, application/fhir+json (it was
    refused 415 for the body and 406 for the Accept header)."""
    response = api.generic(
        "POST", "/api/v1/fhir/", json.dumps(BUNDLE),
        content_type="application/fhir+json; charset=utf-8",
        HTTP_ACCEPT="application/fhir+json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["type"] == "transaction-response"
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_the_same_bundle_again_changes_nothing(api, team):
    post(api, BUNDLE)
    response = post(api, BUNDLE)
    statuses = [entry["response"]["status"] for entry in response.json()["entry"]]
    assert statuses == ["200 OK", "200 OK", "200 OK"]
    assert Patient.objects.count() == 2
    assert Condition.objects.count() == 1


@pytest.mark.django_db
def test_every_problem_named_by_its_path_and_nothing_saved(api, team):
    bad = bundle(
        patient_entry("a1", "R-1", born="2999-01-01"),
        condition_entry("zz", "44054006"),
        {"fullUrl": "urn:uuid:b2", "resource": {"resourceType": "Patient", "birthDate": "1970"}},
        condition_entry("b2", "123"),
        patient_entry("c3", "R-1", name="Cem C."),
    )
    response = post(api, bad)
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {
        "entry[0].resource.birthDate",
        "entry[1].resource.subject",
        "entry[2].resource.name",
        "entry[2].resource.identifier",
        "entry[2].resource (its Conditions)",
        "entry[4].resource.identifier",
    }
    assert errors["entry[4].resource.identifier"] == ["“R-1” is also the identifier of entry[0]"]
    assert "123" in errors["entry[2].resource (its Conditions)"][0]
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "key", "words"),
    [
        ({"resourceType": "Patient"}, "resourceType", "expected a Bundle of type transaction"),
        ({"resourceType": "Bundle", "type": "batch", "entry": []}, "type", "must be transaction"),
        ({"resourceType": "Bundle", "type": "transaction", "entry": []}, "entry", "at least one"),
        (bundle({"resource": {"resourceType": "Observation"}}), "entry[0].resource.resourceType",
         "expected Patient or Condition"),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_not_a_transaction_of_patients(api, team, payload, key, words):
    response = post(api, payload)
    assert response.status_code == 400
    assert words in response.json()[key][0]


@pytest.mark.django_db
def test_the_team_must_be_named_when_the_caller_has_several(api, team, other_team, clinician):
    MembershipFactory(user=clinician, team=other_team, role="clinician")
    response = post(api, BUNDLE)
    assert response.status_code == 400
    assert "Name the team to import into: ?team=<id>" in str(response.json())
    response = post(api, BUNDLE, f"?team={other_team.pk}")
    assert response.status_code == 200
    assert Patient.objects.filter(teams=other_team).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?team=", "?team=%20", "?team=&team="])
def test_an_empty_team_is_refused_naming_team_not_read_as_the_only_team(api, team, query):
    """Without ?team= a clinician of one team imports into it; ?team= with no id is a mistake,
    as it is on GET /api/v1/patients/?team=."""
    response = post(api, BUNDLE, query)

    assert response.status_code == 400
    assert response.json() == {"team": ["must be the id of one of your teams"]}
    assert Patient.objects.count() == 0
    assert post(api, BUNDLE).status_code == 200
    assert Patient.objects.filter(teams=team).count() == 2


@pytest.mark.django_db
def test_only_clinicians_and_administrators_import(team, manager, patient, other_team,
                                                   clinician):  # fmt: skip
    for user in (manager, patient.user):
        client = APIClient()
        client.force_authenticate(user)
        assert post(client, BUNDLE).status_code == 403
    client = APIClient()
    client.force_authenticate(clinician)
    assert post(client, BUNDLE, f"?team={other_team.pk}").status_code == 400
    assert Patient.objects.exclude(pk=patient.pk).count() == 0
    assert APIClient().post("/api/v1/fhir/", BUNDLE, format="json").status_code == 401


@pytest.mark.django_db
def test_two_patients_with_one_full_url_are_refused(api, team):
    twice = bundle(patient_entry("a1", "R-1"), patient_entry("a1", "R-2", name="Bob B."))
    response = post(api, twice)
    assert response.status_code == 400
    assert response.json() == {"entry[1].fullUrl": ["is also the fullUrl of entry[0]"]}
    assert Patient.objects.count() == 0


LEFT = (
    "“R-1” was this team's identifier of a patient who is no longer in the team: this entry "
    "cannot change them or bring them back. Give a new patient an identifier of their own."
)


@pytest.mark.django_db
def test_a_local_id_of_a_patient_who_left_the_team_is_refused(api, team, other_team):
    post(api, BUNDLE)
    ann = Patient.objects.get(display_name="Ann A.")
    ann.teams.set([other_team])  # moved to another team, whose record it now is
    renamed = bundle(patient_entry("a1", "R-1", name="Renamed"), patient_entry("b2", "R-2"))
    response = post(api, renamed)
    assert response.status_code == 400
    assert response.json() == {"entry[0].resource.identifier": [LEFT]}
    ann.refresh_from_db()
    assert (ann.display_name, list(ann.teams.all())) == ("Ann A.", [other_team])
    assert Patient.objects.get(display_name="Bob B.").birth_year == 1961  # all or nothing
    assert Patient.objects.count() == 2
