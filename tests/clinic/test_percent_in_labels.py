"""A box whose label has a "%" in it (a reading in per cent, an item or a goal the patient worded
so) is refused with its label as written, the page shown again with what was typed; never a
server error."""

import pytest
from django.urls import reverse

from assessments.models import GoalReview, Rating, Reading
from patients.models import Encounter
from tests.factories import GoalFactory, PersonalItemFactory
from tests.support.encounters import encounter_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5.555", "“HbA1c (DCCT) (%)” can have at most 2 decimal places."),
        ("123456789", "“HbA1c (DCCT) (%)” can have at most 8 digits."),
    ],
)
def test_a_reading_in_per_cent_out_of_its_limits_names_its_box(signed_in, patient, typed, message):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": typed, "note": "Keep me"}),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"reading_4548-4": [message]}
    html = response.content.decode()
    assert f'value="{typed}"' in html
    assert "Keep me" in html
    assert not Encounter.objects.exists()
    assert not Reading.objects.exists()


def test_a_patients_own_item_with_a_per_cent_sign_names_its_box(signed_in, patient):
    item = PersonalItemFactory(patient=patient, label="Feel 100% myself")

    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{f"proxy_{item.key}": "11"}),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"proxy_{item.key}": ["“Patient's answer: Feel 100% myself” must be from 0 to 10."]
    }
    assert 'value="11"' in response.content.decode()
    assert not Encounter.objects.exists()
    assert not Rating.objects.exists()


def test_a_goal_with_a_per_cent_sign_refuses_an_answer_not_offered(signed_in, patient):
    goal = GoalFactory(patient=patient, description="Lose 5% of my weight")

    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{f"review_{goal.pk}": "9"}),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"review_{goal.pk}": [
            "Choose one of the options for “How is it going: Lose 5% of my weight”."
        ]
    }
    assert not Encounter.objects.exists()
    assert not GoalReview.objects.exists()


def test_a_label_with_a_per_cent_sign_keeps_it_where_django_adds_nothing(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(**{"reading_4548-4": "lots"}),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "reading_4548-4": ["“HbA1c (DCCT) (%)” must be a number, like 7.5."]
    }
