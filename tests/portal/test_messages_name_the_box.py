"""A message about one box of a portal form names that box, so the list of problems at the top
says which box each is about; the words stay plain."""

import pytest
from django.urls import reverse

from assessments.models import Rating
from patients.models import Agenda
from tests.factories import EncounterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client, patient):
    client.force_login(patient.user)
    return client


def test_two_agenda_boxes_too_long_are_each_named(me):
    response = me.post(
        reverse("portal:agenda"), {"going_well": "w" * 2001, "questions": "q" * 2003}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "going_well": [
            "“What is going well” is too long. Please keep it to 2000 letters. You wrote 2001."
        ],
        "questions": [
            "“Do you have any questions” is too long. Please keep it to 2000 letters. "
            "You wrote 2003."
        ],
    }
    html = response.content.decode()
    assert "w" * 2001 in html
    assert "q" * 2003 in html
    assert not Agenda.objects.exists()


def test_two_feedback_answers_not_offered_are_each_named(me, patient, clinician):
    encounter = EncounterFactory(patient=patient, clinician=clinician)

    response = me.post(reverse("portal:feedback", args=[encounter.pk]), {"R1": "11", "R2": "abc"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "R1": ["For “I could talk openly and honestly”, choose a number from 0 to 10."],
        "R2": ["For “We talked about hard things in a helpful way”, choose a number from 0 to 10."],
    }
    assert not Rating.objects.exists()


def test_feedback_is_named_in_dutch_too(client, patient, clinician):
    patient.user.language = "nl"
    patient.user.save()
    client.force_login(patient.user)
    encounter = EncounterFactory(patient=patient, clinician=clinician)

    response = client.post(reverse("portal:feedback", args=[encounter.pk]), {"R1": "11"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "R1": ["Kies bij “Ik kon open en eerlijk praten” een getal van 0 tot en met 10."]
    }
