"""goal_create, goal_review_record and goal_update: goals in the patient's words, reviewed on the
−2 … +2 attainment scale."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Goal, GoalReview
from assessments.services import goal_create, goal_review_record, goal_update
from tests.factories import GoalFactory

from .helpers import days_ago, stale_marks, today, tomorrow

pytestmark = pytest.mark.django_db


# --- goal_create ---------------------------------------------------------------------------


def test_a_goal_is_stored_in_the_patients_words_with_its_defaults(patient):
    goal = goal_create(patient=patient, description="  Walk to the shops  ", domain="H")

    goal.refresh_from_db()
    assert (goal.patient, goal.description, goal.domain_id) == (patient, "Walk to the shops", "H")
    assert (goal.importance, goal.difficulty, goal.weight) == (2, 2, 4)
    assert (goal.baseline_on, goal.expected_outcome, goal.active, goal.created_by) == (
        today(),
        "",
        True,
        None,
    )
    assert stale_marks(patient) == 1


def test_a_goal_keeps_everything_given(patient, clinician):
    goal = goal_create(
        patient=patient,
        description="Dance at the wedding",
        domain="R",
        importance=3,
        difficulty=1,
        baseline_on=days_ago(7),
        expected_outcome="  One slow dance  ",
        created_by=clinician,
    )

    goal.refresh_from_db()
    assert (goal.domain_id, goal.importance, goal.difficulty, goal.weight) == ("R", 3, 1, 3)
    assert (goal.baseline_on, goal.expected_outcome, goal.created_by) == (
        days_ago(7),
        "One slow dance",
        clinician,
    )


def goal_refused(patient, **changes) -> dict:
    arguments = {"patient": patient, "description": "Walk daily", "domain": "H"}
    arguments.update(changes)
    with pytest.raises(ValidationError) as error:
        goal_create(**arguments)
    assert not Goal.objects.exists()
    assert stale_marks(patient) == 0
    return error.value.message_dict


@pytest.mark.parametrize("description", ["", "   ", None])
def test_a_goal_without_words_is_refused(patient, description):
    assert goal_refused(patient, description=description) == {
        "description": ["description must say what the goal is"]
    }


@pytest.mark.parametrize("domain", ["X", "", "m"])
def test_a_goal_outside_the_three_domains_is_refused(patient, domain):
    assert goal_refused(patient, domain=domain) == {"domain": ["domain must be H, M or R"]}


def test_a_goal_set_in_the_future_is_refused(patient):
    assert goal_refused(patient, baseline_on=tomorrow()) == {
        "baseline_on": ["baseline_on must not be in the future"]
    }


def test_a_goal_set_before_1900_is_refused(patient):
    assert goal_refused(patient, baseline_on=dt.date(1899, 6, 1)) == {
        "baseline_on": ["baseline_on must not be before 1900"]
    }


@pytest.mark.parametrize("bad", [0, 4])
def test_importance_and_difficulty_outside_1_to_3_are_refused_together(patient, bad):
    assert goal_refused(patient, importance=bad, difficulty=bad) == {
        "importance": ["importance must be between 1 and 3"],
        "difficulty": ["difficulty must be between 1 and 3"],
    }


def test_texts_too_long_are_refused_saying_how_long_they_are(patient):
    assert goal_refused(patient, description="d" * 501, expected_outcome="e" * 1001) == {
        "description": ["description must be at most 500 characters (it has 501)"],
        "expected_outcome": ["expected_outcome must be at most 1000 characters (it has 1001)"],
    }


def test_texts_of_the_longest_length_are_accepted(patient):
    goal = goal_create(
        patient=patient, description="d" * 500, domain="H", expected_outcome="e" * 1000
    )
    assert (len(goal.description), len(goal.expected_outcome)) == (500, 1000)


# --- goal_review_record --------------------------------------------------------------------


@pytest.fixture
def goal(patient):
    return GoalFactory(patient=patient, baseline_on=days_ago(30))


@pytest.mark.parametrize("attainment", [-2, -1, 0, 1, 2])
def test_a_review_stores_the_attainment(goal, patient, attainment):
    review = goal_review_record(goal=goal, attainment=attainment, reviewed_on=days_ago(1))

    review.refresh_from_db()
    assert (review.goal, review.attainment, review.reviewed_on) == (goal, attainment, days_ago(1))
    assert (review.reviewed_by, review.encounter) == (None, None)
    assert stale_marks(patient) == 1


def test_a_review_in_an_encounter_records_who_and_where(goal, clinician, encounter):
    review = goal_review_record(
        goal=goal, attainment=1, reviewed_on=today(), reviewed_by=clinician, encounter=encounter
    )

    review.refresh_from_db()
    assert (review.reviewed_by, review.encounter, review.reviewed_on) == (
        clinician,
        encounter,
        today(),
    )
    assert list(goal.reviews.all()) == [review]


def test_a_review_on_the_day_the_goal_was_set_is_accepted(goal):
    assert goal_review_record(goal=goal, attainment=0, reviewed_on=goal.baseline_on).pk


def review_refused(goal, **changes) -> dict:
    arguments = {"goal": goal, "attainment": 1, "reviewed_on": today()}
    arguments.update(changes)
    with pytest.raises(ValidationError) as error:
        goal_review_record(**arguments)
    assert not GoalReview.objects.exists()
    assert stale_marks(goal.patient) == 0
    return error.value.message_dict


def test_a_review_before_the_goal_was_set_is_refused(goal):
    assert review_refused(goal, reviewed_on=goal.baseline_on - dt.timedelta(days=1)) == {
        "reviewed_on": ["reviewed_on must not be before the goal was set"]
    }


def test_a_review_dated_in_the_future_is_refused(goal):
    assert review_refused(goal, reviewed_on=tomorrow()) == {
        "reviewed_on": ["reviewed_on must not be in the future"]
    }


@pytest.mark.parametrize("attainment", [3, -3, 10])
def test_an_attainment_outside_minus_2_to_2_is_refused(goal, attainment):
    assert review_refused(goal, attainment=attainment) == {
        "attainment": ["attainment must be between -2 and 2"]
    }


def test_a_review_in_another_patients_encounter_is_refused(goal, others_encounter):
    assert review_refused(goal, encounter=others_encounter) == {
        "encounter": ["encounter must be one of this patient's"]
    }


# --- goal_update ---------------------------------------------------------------------------


def test_an_update_changes_the_words_and_can_close_the_goal(goal, patient):
    baseline, importance = goal.baseline_on, goal.importance

    goal_update(
        goal=goal,
        description="  Walk to the park  ",
        expected_outcome="  Twice a week  ",
        active=False,
    )

    goal.refresh_from_db()
    assert (goal.description, goal.expected_outcome, goal.active) == (
        "Walk to the park",
        "Twice a week",
        False,
    )
    assert (goal.baseline_on, goal.importance, goal.patient) == (baseline, importance, patient)
    assert stale_marks(patient) == 1


def test_a_closed_goal_can_be_opened_again(goal):
    goal_update(goal=goal, description=goal.description, active=False)
    goal_update(goal=goal, description=goal.description, active=True)

    goal.refresh_from_db()
    assert goal.active is True


@pytest.mark.parametrize("description", ["", "  ", None])
def test_an_update_without_words_is_refused_and_changes_nothing(goal, description):
    before = Goal.objects.values().get(pk=goal.pk)

    with pytest.raises(ValidationError) as error:
        goal_update(goal=goal, description=description, active=False)

    assert error.value.message_dict == {"description": ["description must say what the goal is"]}
    assert Goal.objects.values().get(pk=goal.pk) == before
    assert stale_marks(goal.patient) == 0


def test_an_update_too_long_is_refused_and_changes_nothing(goal):
    before = Goal.objects.values().get(pk=goal.pk)

    with pytest.raises(ValidationError) as error:
        goal_update(goal=goal, description="d" * 501, expected_outcome="e" * 1001)

    assert error.value.message_dict == {
        "description": ["description must be at most 500 characters (it has 501)"],
        "expected_outcome": ["expected_outcome must be at most 1000 characters (it has 1001)"],
    }
    assert Goal.objects.values().get(pk=goal.pk) == before
    assert stale_marks(goal.patient) == 0
