"""The encounter form's new goal: a changed importance or difficulty starts the goal's section,
which is then saved whole or refused, never silently dropped."""

import pytest
from django.urls import reverse

from assessments.models import Goal
from patients.models import Encounter
from tests.support.encounters import encounter_post

pytestmark = pytest.mark.django_db
ASK_GOAL = "Write the new goal in the patient's words, or clear the new goal's boxes."
ASK_DOMAIN = "Choose the domain of the new goal."


@pytest.mark.parametrize(
    ("importance", "difficulty"), [("3", "1"), ("3", "2"), ("2", "1"), ("1", "")]
)
def test_a_changed_importance_or_difficulty_without_a_goal_asks_for_the_goal(
    signed_in, patient, importance, difficulty
):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(goal_importance=importance, goal_difficulty=difficulty),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "goal_description": [ASK_GOAL],
        "goal_domain": [ASK_DOMAIN],
    }
    assert not Encounter.objects.exists()
    assert not Goal.objects.exists()
    assert response.context["form"]["goal_importance"].value() == importance


@pytest.mark.parametrize("sent", [{"goal_importance": "2", "goal_difficulty": "2"}, {}])
def test_the_goals_untouched_choices_are_no_goal(signed_in, patient, sent):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]), encounter_post(**sent)
    )

    assert response.status_code == 302
    assert Encounter.objects.count() == 1
    assert not Goal.objects.exists()


def test_a_goal_with_its_importance_and_difficulty_is_saved_with_them(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(
            goal_description="Walk to the shop",
            goal_domain="H",
            goal_importance="3",
            goal_difficulty="1",
        ),
    )

    assert response.status_code == 302
    goal = Goal.objects.get(patient=patient)
    assert (goal.description, goal.importance, goal.difficulty) == ("Walk to the shop", 3, 1)
