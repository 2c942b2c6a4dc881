"""A personal target refused on the clinician's pages names its boxes as the page labels them
(the encounter form's target section, and the per-marker form on the supporting-records page),
in the page's language; the API keeps its field names and its English words."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import PersonalTarget
from patients.models import Encounter
from tests.support.api_tokens import api_key_for
from tests.support.encounters import encounter_post

pytestmark = pytest.mark.django_db


def target_post(loinc: str, **values):
    return {f"target-{loinc}-{name}": value for name, value in values.items()} | {
        f"target-{loinc}-relevant": "on"
    }


# --- Too many decimals or digits ---------------------------------------------------------------


def test_an_encounters_target_with_three_decimals_names_the_box(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(target_loinc="8480-6", target_low="120.555", target_high="1.234"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["target_low"] == ["“Lowest agreed” can have at most 2 decimal places."]
    assert errors["target_high"] == ["“Highest agreed” can have at most 2 decimal places."]
    assert not Encounter.objects.exists()
    assert not PersonalTarget.objects.exists()


def test_a_markers_target_with_too_many_digits_names_the_box(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:target-change", args=[patient.pk, "8480-6"]),
        target_post("8480-6", low="123456789", high="1234567"),
    )

    assert response.status_code == 400
    errors = response.context["failed"].errors
    assert errors["low"] == ["“Lowest agreed” can have at most 8 digits."]
    assert errors["high"] == ["“Highest agreed” is too large."]
    assert not PersonalTarget.objects.exists()
    assert 'value="123456789"' in response.content.decode()


# --- The lowest above the highest --------------------------------------------------------------


def test_a_markers_lowest_above_its_highest_names_both_boxes(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:target-change", args=[patient.pk, "8480-6"]),
        target_post("8480-6", low="150", high="140"),
    )

    assert response.status_code == 400
    assert response.context["failed"].errors == {
        "low": ["“Lowest agreed” must not be above “Highest agreed”."]
    }
    assert not PersonalTarget.objects.exists()


def test_a_dutch_clinician_is_told_in_dutch_with_the_dutch_labels(signed_in, clinician, patient):
    clinician.language = "nl"
    clinician.save()

    response = signed_in.post(
        reverse("clinic:target-change", args=[patient.pk, "8480-6"]),
        target_post("8480-6", low="150", high="140"),
    )

    assert response.status_code == 400
    assert response.context["failed"].errors == {
        "low": [
            "“Laagste afgesproken waarde” mag niet hoger zijn dan “Hoogste afgesproken waarde”."
        ]
    }


def test_an_encounters_lowest_above_its_highest_names_both_boxes(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(target_loinc="8480-6", target_low="150", target_high="140"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "target_low": ["“Lowest agreed” must not be above “Highest agreed”."]
    }
    assert not Encounter.objects.exists()


def test_the_api_keeps_its_field_names_in_english_and_says_the_rule_in_dutch(clinician, patient):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(clinician)}")
    path = f"/api/v1/patients/{patient.pk}/targets/8480-6/"
    body = {"low": 150, "high": 140, "relevant": True}

    english = client.put(path, body, format="json")
    dutch = client.put(path, body, format="json", headers={"accept-language": "nl"})

    assert english.status_code == dutch.status_code == 400
    assert english.json() == {"low": ["low must not be above high"]}
    assert dutch.json() == {"low": ["low mag niet hoger zijn dan high"]}
    assert not PersonalTarget.objects.exists()
