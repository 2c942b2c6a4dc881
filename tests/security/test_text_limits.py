"""Every free-text field has a length limit, stated in the API's and the form's words; one
very long word wraps on the page instead of widening it (tests/browser/test_long_text.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Goal
from assessments.services import goal_create
from patients.models import Agenda, Encounter, Patient

pytestmark = pytest.mark.django_db
DAY = "2026-02-10"


@pytest.fixture
def api(clinician):
    client = APIClient()
    client.force_login(clinician)
    return client


@pytest.mark.parametrize(
    ("path", "body", "field", "limit"),
    [
        ("", {"display_name": "x" * 121, "birth_year": 1950}, "display_name", 120),
        (
            "encounters/",
            {
                "occurred_at": "2026-02-10T10:00:00Z",
                "mode": "phone",
                "initiated_by": "patient",
                "duration_minutes": 10,
                "note": "x" * 5001,
            },
            "note",
            5000,
        ),
        (
            "goals/",
            {
                "description": "x" * 501,
                "domain": "H",
                "importance": 2,
                "difficulty": 2,
                "baseline_on": DAY,
            },
            "description",
            500,
        ),
        ("items/", {"label": "x" * 201, "domain": "H"}, "label", 200),
        (
            "context-events/",
            {"kind": "other", "occurred_on": DAY, "note": "x" * 1001},
            "note",
            1000,
        ),
    ],
)
def test_the_api_refuses_text_over_its_limit_and_says_the_limit(
    api, patient, team, path, body, field, limit
):
    if path == "":
        url = "/api/v1/patients/"
        body = {**body, "teams": [team.pk]}
    else:
        url = f"/api/v1/patients/{patient.pk}/{path}"

    response = api.post(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [f"{field} must be at most {limit} characters"]}
    at_limit = {**body, field: "y" * limit}
    assert api.post(url, at_limit, format="json").status_code == 201


def test_the_schema_states_each_limit(api):
    schema = api.get("/api/v1/schema/?format=json").json()["components"]["schemas"]

    assert schema["EncounterInputRequest"]["properties"]["note"]["maxLength"] == 5000
    assert schema["GoalInputRequest"]["properties"]["description"]["maxLength"] == 500


def test_a_target_reason_over_its_limit_is_refused(api, patient):
    response = api.put(
        f"/api/v1/patients/{patient.pk}/targets/59261-8/",
        {"relevant": False, "reason": "x" * 501},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"reason": ["reason must be at most 500 characters"]}


def test_services_hold_the_same_limits_whatever_the_caller(patient):
    with pytest.raises(ValidationError) as refused:
        goal_create(
            patient=patient, description="x" * 501, domain="H", baseline_on=timezone.localdate()
        )

    assert refused.value.message_dict == {
        "description": ["description must be at most 500 characters (it has 501)"]
    }
    assert not Goal.objects.exists()


def test_the_encounter_form_names_the_field_and_keeps_what_was_typed(client, clinician, patient):
    client.force_login(clinician)
    note = "A long note. " * 400  # 5,200 characters

    response = client.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "mode": "phone",
            "initiated_by": "service",
            "duration_minutes": 10,
            "note": note,
            "target_relevant": "on",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "“Note (staff only, never shown to the patient)” can be at most 5000 characters "
        "(this has 5199)." in html
    )
    assert note.strip() in html
    assert not Encounter.objects.exists()


def test_the_portal_says_in_plain_words_that_an_agenda_is_too_long(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("portal:agenda"), {"questions": "w" * 2001})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "“Do you have any questions” is too long. Please keep it to 2000 letters. "
        "You wrote 2001." in html
    )
    assert 'maxlength="2000"' in html
    assert not Agenda.objects.exists()


@pytest.mark.parametrize("year", [1899, timezone.localdate().year + 1, 2100])
def test_a_birth_year_in_the_future_or_before_1900_is_refused(api, team, year):
    response = api.post(
        "/api/v1/patients/",
        {"display_name": "Ann A.", "birth_year": year, "teams": [team.pk]},
        format="json",
    )

    this_year = timezone.localdate().year
    assert response.status_code == 400
    assert response.json() == {
        "birth_year": [
            f"birth_year must be between 1900 and {this_year} "
            "(a year of birth cannot be in the future)"
        ]
    }
    assert not Patient.objects.filter(display_name="Ann A.").exists()


def test_this_year_is_a_valid_birth_year(api, team):
    response = api.post(
        "/api/v1/patients/",
        {"display_name": "Baby B.", "birth_year": timezone.localdate().year, "teams": [team.pk]},
        format="json",
    )

    assert response.status_code == 201
