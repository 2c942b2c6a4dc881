"""An encounter's own boxes refused do not hide the rest: the date's rules, and every check that
depends on the date, are said in the same answer, and nothing is saved."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import GoalReview
from patients.models import Encounter
from tests.factories import GoalFactory
from tests.support.encounters import encounter_post

pytestmark = pytest.mark.django_db

DURATION = "“Duration (minutes)” must be from 1 to 480."
IN_THE_FUTURE = "“Date and time” must not be in the future."


def when(**ago) -> str:
    return (timezone.localtime() + dt.timedelta(**ago)).strftime("%Y-%m-%dT%H:%M")


def logged(client, patient, **fields):
    response = client.post(
        reverse("clinic:encounter-new", args=[patient.pk]), encounter_post(**fields)
    )
    assert response.status_code == 400
    assert not Encounter.objects.exists()
    return response


def test_a_future_date_is_said_with_a_duration_out_of_range(signed_in, patient):
    response = logged(signed_in, patient, occurred_at=when(days=2), duration_minutes="0")

    assert response.context["form"].errors == {
        "occurred_at": [IN_THE_FUTURE],
        "duration_minutes": [DURATION],
    }
    assert 'value="0"' in response.content.decode()


def test_a_date_before_1900_is_said_with_a_mode_not_offered(signed_in, patient):
    response = logged(signed_in, patient, occurred_at="1899-05-05T10:00", mode="x")

    assert response.context["form"].errors == {
        "occurred_at": ["“Date and time” must not be before 1900."],
        "mode": ["Choose one of the options for “Mode”."],
    }


def test_a_future_date_is_said_with_a_note_too_long(signed_in, patient):
    response = logged(signed_in, patient, occurred_at=when(days=2), note="n" * 5001)

    assert response.context["form"].errors == {
        "occurred_at": [IN_THE_FUTURE],
        "note": [
            "“Note (staff only, never shown to the patient)” can be at most 5000 characters "
            "(this has 5001)."
        ],
    }
    assert "n" * 5001 in response.content.decode()


def test_a_goal_review_before_the_goal_is_checked_against_the_encounters_date(signed_in, patient):
    goal = GoalFactory(patient=patient, description="Walk daily")

    response = logged(
        signed_in,
        patient,
        occurred_at=when(days=-3),
        duration_minutes="0",
        **{f"review_{goal.pk}": "1"},
    )

    assert response.context["form"].errors == {
        "duration_minutes": [DURATION],
        f"review_{goal.pk}": ["“How is it going: Walk daily” must not be before the goal was set."],
    }
    assert not GoalReview.objects.exists()


def test_a_date_refused_leaves_the_other_parts_checked_against_today(signed_in, patient):
    goal = GoalFactory(patient=patient, description="Walk daily")

    response = logged(
        signed_in,
        patient,
        occurred_at=when(days=2),
        duration_minutes="0",
        **{f"review_{goal.pk}": "1"},
    )

    assert response.context["form"].errors == {
        "occurred_at": [IN_THE_FUTURE],
        "duration_minutes": [DURATION],
    }
    assert not GoalReview.objects.exists()
