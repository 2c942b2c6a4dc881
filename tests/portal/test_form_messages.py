"""The portal's forms name each field by its label and state the rule when a value is not one
of the choices offered, never in Django's own wording ("Select a valid choice…")."""

import pytest
from django.urls import reverse

from assessments.models import Element, Goal

pytestmark = pytest.mark.django_db
PART_OF_LIFE = "Choose one of the options for “Which part of your life is it about”."


@pytest.fixture
def me(client, patient):
    client.force_login(patient.user)
    return client


def test_a_goal_with_choices_not_offered_names_each_question(me):
    response = me.post(
        reverse("portal:goal-new"),
        {"description": "Walk", "domain": "Z", "importance": "7", "difficulty": "0"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "domain": [PART_OF_LIFE],
        "importance": ["Choose one of the options for “How much does it matter to you”."],
        "difficulty": ["Choose one of the options for “How hard do you think it will be”."],
    }
    assert not Goal.objects.exists()


def test_an_own_item_with_a_part_of_life_not_offered_names_the_question(me, patient):
    response = me.post(reverse("portal:item-add"), {"label": "My garden", "domain": "Z"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"domain": [PART_OF_LIFE]}
    assert not Element.objects.filter(patient=patient).exists()


def test_a_language_not_offered_names_the_question(me, patient):
    response = me.post(reverse("portal:settings"), {"email": "", "language": "fr"})

    assert response.context["form"].errors == {
        "language": ["Choose one of the options for “Language of my pages and emails”."]
    }
    patient.user.refresh_from_db()
    assert patient.user.language == ""
