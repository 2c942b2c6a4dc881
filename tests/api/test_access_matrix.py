"""Every patient-record endpoint, for every role: allowed, refused (401/403/404), never leaked."""

import datetime as dt

import pytest

from assessments.services import goal_create
from patients.models import AuditEvent

from .conftest import client_for

pytestmark = pytest.mark.django_db
DAY = "2026-02-10"

# (path under /api/v1/patients/{id}/, a valid POST body, roles that may POST)
COLLECTIONS = [
    ("conditions/", {"snomed_code": "44054006", "onset": "2019-05-01"}, {"clinician"}),
    (
        "encounters/",
        {
            "occurred_at": "2026-02-10T10:00:00Z",
            "mode": "phone",
            "initiated_by": "patient",
            "duration_minutes": 12,
            "strategies": ["goal_setting"],
            "note": "Staff note",
        },
        {"clinician"},
    ),
    ("items/", {"label": "Walking the dog", "domain": "H"}, {"clinician", "patient"}),
    (
        "ratings/",
        {"element": "H2", "value": 6, "rated_on": DAY, "rater": "{rater}"},
        {"clinician", "patient"},
    ),
    (
        "priorities/",
        {"effective_from": DAY, "points": {"H1": 60, "R1": 40}},
        {"clinician", "patient"},
    ),
    (
        "goals/",
        {
            "description": "Swim once a week",
            "domain": "H",
            "importance": 2,
            "difficulty": 3,
            "baseline_on": DAY,
        },
        {"clinician", "patient"},
    ),
    (
        "readings/",
        {"loinc": "59261-8", "value": 53, "unit": "mmol/mol", "taken_on": DAY},
        {"clinician"},
    ),
    (
        "context-events/",
        {"kind": "bereavement", "occurred_on": DAY, "note": "Husband died"},
        {"clinician"},
    ),
]
READ_ONLY = ["", "summaries/"]


def body_for(body: dict, role: str) -> dict:
    rater = "patient" if role == "patient" else "proxy"
    filled = {k: (rater if v == "{rater}" else v) for k, v in body.items()}
    if "label" in filled:  # each role adds its own item: the same words twice are refused
        filled["label"] = f"{filled['label']} ({role})"
    return filled


@pytest.fixture
def roles(clinician, patient, other_clinician, other_patient, manager):
    return {
        "clinician": client_for(clinician),
        "patient": client_for(patient.user),
        "other_clinician": client_for(other_clinician),
        "other_patient": client_for(other_patient.user),
        "manager": client_for(manager),
        "anonymous": client_for(None),
    }


@pytest.mark.parametrize("path", [c[0] for c in COLLECTIONS] + READ_ONLY)
def test_reading_a_patients_records_follows_the_role_rules(roles, patient, path):
    url = f"/api/v1/patients/{patient.pk}/{path}"
    expected = {
        "clinician": 200,
        "patient": 200,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    got = {role: client.get(url).status_code for role, client in roles.items()}
    assert got == expected


@pytest.mark.parametrize(("path", "body", "writers"), COLLECTIONS)
def test_writing_a_patients_records_follows_the_role_rules(roles, patient, path, body, writers):
    url = f"/api/v1/patients/{patient.pk}/{path}"
    expected = {
        "clinician": 201 if "clinician" in writers else 403,
        "patient": 201 if "patient" in writers else 403,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    got = {}
    for role, client in roles.items():
        response = client.post(url, body_for(body, role), format="json")
        got[role] = response.status_code
    assert got == expected


def test_a_patients_view_of_encounters_never_carries_the_staff_note(
    as_clinician, as_patient, patient
):
    url = f"/api/v1/patients/{patient.pk}/encounters/"
    as_clinician.post(url, COLLECTIONS[1][1], format="json")

    staff_view = as_clinician.get(url).json()["results"][0]
    own_view = as_patient.get(url).json()["results"][0]

    assert staff_view["note"] == "Staff note"
    assert "note" not in own_view
    assert "Staff note" not in str(as_patient.get(url).content)


def test_a_patient_sees_only_the_context_events_shared_with_them(as_clinician, as_patient, patient):
    url = f"/api/v1/patients/{patient.pk}/context-events/"
    as_clinician.post(url, {"kind": "admission", "occurred_on": DAY}, format="json")
    as_clinician.post(
        url, {"kind": "other", "occurred_on": DAY, "visible_to_patient": False}, format="json"
    )
    assert [e["kind"] for e in as_patient.get(url).json()["results"]] == ["admission"]
    assert len(as_clinician.get(url).json()["results"]) == 2


def test_goal_reviews_follow_the_goal_owners_rules(roles, patient):
    goal = goal_create(
        patient=patient, description="Sleep better", domain="H", baseline_on=dt.date(2026, 1, 5)
    )
    url = f"/api/v1/goals/{goal.pk}/reviews/"
    got = {
        role: c.post(url, {"attainment": 1, "reviewed_on": DAY}, format="json").status_code
        for role, c in roles.items()
    }
    assert got == {
        "clinician": 201,
        "patient": 201,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }


def test_personal_targets_are_set_by_clinicians_only(roles, patient):
    url = f"/api/v1/patients/{patient.pk}/targets/59261-8/"
    body = {"low": 48, "high": 58, "relevant": True}
    got = {role: c.put(url, body, format="json").status_code for role, c in roles.items()}
    assert got == {
        "clinician": 200,
        "patient": 403,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    assert roles["patient"].get(url).json() == {
        "loinc": "59261-8",
        "low": 48.0,
        "high": 58.0,
        "relevant": True,
        "reason": "",
    }


def test_patient_list_shows_each_role_only_its_own(roles, patient, other_patient):
    def names(role):
        response = roles[role].get("/api/v1/patients/")
        return response.status_code, [p["display_name"] for p in response.json().get("results", [])]

    assert names("clinician") == (200, ["Pat P."])
    assert names("other_clinician") == (200, ["Olive O."])
    assert names("patient") == (200, ["Pat P."])
    assert roles["manager"].get("/api/v1/patients/").status_code == 403
    assert roles["anonymous"].get("/api/v1/patients/").status_code == 401


def test_patient_details_can_be_changed_by_their_clinician_only(roles, patient):
    url = f"/api/v1/patients/{patient.pk}/"
    got = {
        role: c.patch(url, {"display_name": "Pat Q."}, format="json").status_code
        for role, c in roles.items()
    }
    assert got == {
        "clinician": 200,
        "patient": 403,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    patient.refresh_from_db()
    assert patient.display_name == "Pat Q."


def test_team_summary_is_for_the_teams_members_only(roles, team, other_team):
    from indicators.models import TeamSummary

    TeamSummary.objects.create(team=team, period="2026Q1", figures={"patients": None})
    url = f"/api/v1/teams/{team.pk}/summaries/2026Q1/"
    got = {role: c.get(url).status_code for role, c in roles.items()}
    assert got == {
        "clinician": 200,
        "patient": 404,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 200,
        "anonymous": 401,
    }


def test_every_staff_read_of_a_record_is_audited_and_a_patients_own_is_not(
    as_clinician, as_patient, clinician, patient
):
    as_clinician.get(f"/api/v1/patients/{patient.pk}/ratings/")
    as_patient.get(f"/api/v1/patients/{patient.pk}/ratings/")

    events = list(AuditEvent.objects.values_list("actor__username", "action", "what", "patient"))
    assert events == [("nurse", "view", "ratings", patient.pk)]


def test_fhir_export_follows_the_role_rules_and_is_audited_as_an_export(roles, patient):
    url = f"/api/v1/fhir/Patient/{patient.pk}/$everything"
    got = {role: c.get(url).status_code for role, c in roles.items()}
    assert got == {
        "clinician": 200,
        "patient": 200,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    assert roles["clinician"].get(url)["Content-Type"] == "application/fhir+json"
    assert AuditEvent.objects.filter(action="export", patient=patient).count() == 2


def test_fhir_observation_import_is_for_the_patients_clinicians(roles, patient):
    url = f"/api/v1/fhir/Patient/{patient.pk}/Observation/"
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {
            "value": 132,
            "unit": "mmHg",
            "system": "http://unitsofmeasure.org",
            "code": "mm[Hg]",
        },
        "effectiveDateTime": "2026-02-10",
    }
    got = {role: c.post(url, observation, format="json").status_code for role, c in roles.items()}
    assert got == {
        "clinician": 201,
        "patient": 403,
        "other_clinician": 404,
        "other_patient": 404,
        "manager": 404,
        "anonymous": 401,
    }
    assert [float(r.value) for r in patient.readings.all()] == [132.0]


def test_fhir_import_of_an_unsupported_code_is_a_400_naming_it(as_clinician, patient):
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
        "valueQuantity": {"value": 5.5, "unit": "mmol/L"},
        "effectiveDateTime": "2026-02-10",
    }
    response = as_clinician.post(
        f"/api/v1/fhir/Patient/{patient.pk}/Observation/", observation, format="json"
    )
    assert response.status_code == 400
    assert "not a supported marker" in str(response.json())
    assert not patient.readings.exists()
