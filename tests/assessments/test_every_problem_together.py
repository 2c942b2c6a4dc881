"""A rating, a reading or a set of priorities with several problems is refused with all of them
at once, through the service and through the API, and nothing is written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import PrioritySet, Rating, Reading
from assessments.services import priorities_set, rating_record, reading_record
from patients.services import encounter_record

pytestmark = pytest.mark.django_db


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def problems(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def test_a_rating_of_an_unknown_element_out_of_range_and_in_the_future_says_all_three(patient):
    said = problems(
        lambda: rating_record(
            patient=patient, element="Z9", value=11, rated_on=tomorrow(), rater="patient"
        )
    )

    assert said == {
        "element": [
            "element must be a framework code (H1 to R4) or one of this patient's items "
            "(P<id>); 'Z9' is neither"
        ],
        "value": ["value must be a whole number between 0 and 10"],
        "rated_on": ["rated_on must not be in the future"],
    }
    assert not Rating.objects.exists()


def test_a_reading_in_the_wrong_unit_out_of_range_and_in_the_future_says_all_three(patient):
    said = problems(
        lambda: reading_record(
            patient=patient, loinc="8480-6", value=999, unit="kg", taken_on=tomorrow()
        )
    )

    assert set(said) == {"unit", "value", "taken_on"}
    assert said["taken_on"] == ["taken_on must not be in the future"]
    assert not Reading.objects.exists()


def test_priorities_in_the_future_adding_up_to_over_100_say_both(patient):
    said = problems(
        lambda: priorities_set(
            patient=patient, effective_from=tomorrow(), points={"H1": 60, "H2": 60}
        )
    )

    assert said == {
        "effective_from": ["effective_from must not be in the future"],
        "points": ["points must add up to between 1 and 100 (they add up to 120)"],
    }
    assert not PrioritySet.objects.exists()


def test_the_api_says_a_readings_wrong_unit_and_implausible_value_together(clinician, patient):
    client = APIClient()
    client.force_authenticate(clinician)

    response = client.post(
        f"/api/v1/patients/{patient.pk}/readings/",
        {"loinc": "8480-6", "value": 999, "unit": "kg", "taken_on": str(tomorrow())},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"unit", "value", "taken_on"}
    assert not Reading.objects.exists()


@pytest.fixture
def elsewhere(clinician, other_patient):
    """An encounter of another patient of the clinician's."""
    return encounter_record(
        patient=other_patient,
        clinician=clinician,
        occurred_at=timezone.now(),
        mode="face_to_face",
        initiated_by="service",
        duration_minutes=10,
    )


def api_problems(user, path: str, body: dict) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(path, body, format="json")
    assert response.status_code == 400, response.json()
    return response.json()


def test_the_api_says_a_ratings_type_checks_and_the_services_rules_together(
    clinician, patient, elsewhere
):
    path = f"/api/v1/patients/{patient.pk}/ratings/"
    future = str(tomorrow())

    out_of_range = api_problems(
        clinician,
        path,
        {"element": "H1", "value": 11, "rated_on": future, "rater": "proxy"},
    )
    unknown = api_problems(
        clinician,
        path,
        {
            "element": "Z9",
            "value": 5,
            "rated_on": future,
            "rater": "proxy",
            "encounter": elsewhere.pk,
        },
    )

    assert out_of_range == {
        "value": ["value must be between 0 and 10"],
        "rated_on": ["rated_on must not be in the future"],
    }
    assert set(unknown) == {"element", "rated_on", "encounter"}
    assert unknown["rated_on"] == ["rated_on must not be in the future"]
    assert not Rating.objects.exists()


def test_the_api_says_an_encounters_and_a_life_events_problems_together(clinician, patient):
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()

    encounter = api_problems(
        clinician,
        f"/api/v1/patients/{patient.pk}/encounters/",
        {
            "occurred_at": later,
            "mode": "face_to_face",
            "initiated_by": "service",
            "duration_minutes": 0,
        },
    )
    event = api_problems(
        clinician,
        f"/api/v1/patients/{patient.pk}/context-events/",
        {"kind": "bogus", "occurred_on": str(tomorrow())},
    )

    assert set(encounter) == {"duration_minutes", "occurred_at"}
    assert encounter["occurred_at"] == ["occurred_at must not be in the future"]
    assert set(event) == {"kind", "occurred_on"}
    assert event["occurred_on"] == ["occurred_on must not be in the future"]
    assert not patient.encounters.exists()
    assert not patient.context_events.exists()


def test_the_api_tells_another_patients_encounter_and_one_that_is_not_there_alike(
    clinician, patient, elsewhere
):
    def reading(encounter_id: int) -> dict:
        return api_problems(
            clinician,
            f"/api/v1/patients/{patient.pk}/readings/",
            {
                "loinc": "8480-6",
                "value": 120,
                "unit": "kg",
                "taken_on": str(timezone.localdate()),
                "encounter": encounter_id,
            },
        )

    assert (
        reading(elsewhere.pk)
        == reading(elsewhere.pk + 1000)
        == {"encounter": ["encounter must be one of this patient's"]}
    )
