"""A personal target refused on the clinician's pages names its boxes as the page labels them
(the encounter form's target section, and the per-marker form on the supporting-records page)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import PersonalTarget
from patients.models import Encounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def encounter_post(**extra):
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "initiated_by": "service",
        "duration_minutes": "15",
        "target_relevant": "on",
        **extra,
    }


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
