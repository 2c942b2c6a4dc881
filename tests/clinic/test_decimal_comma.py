"""A clinician whose pages are in Dutch types decimals with a comma (5,2), as the messages' own
example says ("zoals 7,5"); a point is still read. In English the point, as its example says."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import PersonalTarget, Reading
from patients.models import Condition, Encounter
from tests.support.encounters import encounter_post

pytestmark = pytest.mark.django_db
PARKINSONS = "49049000"


@pytest.fixture
def dutch(signed_in, clinician):
    clinician.language = "nl"
    clinician.save()
    return signed_in


@pytest.mark.parametrize("typed", ["5,2", "5.2"])
def test_a_dutch_reading_takes_a_comma_or_a_point(dutch, patient, typed):
    response = dutch.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": typed}),
    )

    assert response.status_code == 302
    assert Reading.objects.get(patient=patient).value == Decimal("5.2")


def test_a_dutch_target_takes_commas(dutch, patient):
    response = dutch.post(
        reverse("clinic:target-change", args=[patient.pk, "4548-4"]),
        {"target-4548-4-low": "3,5", "target-4548-4-high": "6,5", "target-4548-4-relevant": "on"},
    )

    assert response.status_code == 302
    target = PersonalTarget.objects.get(patient=patient)
    assert (target.low, target.high) == (Decimal("3.5"), Decimal("6.5"))


def test_a_dutch_stage_takes_a_comma(dutch, patient):
    response = dutch.post(
        reverse("clinic:condition-add", args=[patient.pk]),
        {"new-condition-snomed_code": PARKINSONS, "new-condition-stage": "2,5"},
    )

    assert response.status_code == 302
    assert Condition.objects.get(patient=patient).stage == Decimal("2.5")


def test_a_dutch_reading_that_is_no_number_is_told_with_a_true_example(dutch, patient):
    response = dutch.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": "vijf"}),
    )

    assert response.status_code == 400
    message = response.context["form"].errors["reading_4548-4"][0]
    assert message.endswith("moet een getal zijn, zoals 7,5.")
    assert not Encounter.objects.exists()


def test_in_english_the_example_of_a_point_holds_and_a_comma_is_refused(signed_in, patient):
    accepted = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": "7.5"}),
    )
    refused = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": "7,5"}),
    )

    assert accepted.status_code == 302
    assert Reading.objects.get(patient=patient).value == Decimal("7.5")
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "reading_4548-4": ["“HbA1c (DCCT) (%)” must be a number, like 7.5."]
    }
