"""priorities_set: how a patient shares up to 100 points over what matters, from a date on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import PriorityPoint, PrioritySet
from assessments.services import personal_item_create, priorities_set

from .helpers import days_ago, not_an_element, stale_marks, today, tomorrow

pytestmark = pytest.mark.django_db


def stored_points(priority_set) -> dict[str, int]:
    return {point.element.key: point.points for point in priority_set.points.all()}


def refused(patient, points, effective_from=None) -> dict:
    with pytest.raises(ValidationError) as error:
        priorities_set(patient=patient, effective_from=effective_from or today(), points=points)
    assert not PrioritySet.objects.exists()
    assert not PriorityPoint.objects.exists()
    assert stale_marks(patient) == 0
    return error.value.message_dict


def test_a_priority_set_stores_each_elements_points_and_the_total(patient):
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")

    saved = priorities_set(
        patient=patient, effective_from=days_ago(2), points={item.key: 60, "M2": 30, "R1": 0}
    )

    saved.refresh_from_db()
    assert (saved.patient, saved.effective_from, saved.total) == (patient, days_ago(2), 90)
    assert (saved.entered_by, saved.by_proxy) == (None, False)
    assert stored_points(saved) == {item.key: 60, "M2": 30, "R1": 0}
    assert stale_marks(patient) == 1


@pytest.mark.parametrize(("points", "total"), [({"H1": 1}, 1), ({"H1": 100}, 100)])
def test_totals_of_1_and_100_are_accepted(patient, points, total):
    assert priorities_set(patient=patient, effective_from=today(), points=points).total == total


def test_staff_entering_priorities_are_recorded_as_a_proxy(patient, clinician):
    saved = priorities_set(
        patient=patient, effective_from=today(), points={"H1": 50}, entered_by=clinician
    )
    assert (saved.entered_by, saved.by_proxy) == (clinician, True)


def test_a_patient_entering_their_own_priorities_is_not_a_proxy(patient):
    saved = priorities_set(
        patient=patient, effective_from=today(), points={"H1": 50}, entered_by=patient.user
    )
    assert (saved.entered_by, saved.by_proxy) == (patient.user, False)


def test_a_new_set_keeps_the_earlier_one_as_history(patient):
    first = priorities_set(patient=patient, effective_from=days_ago(100), points={"H1": 100})
    second = priorities_set(patient=patient, effective_from=today(), points={"M1": 40, "R2": 60})

    assert list(PrioritySet.objects.filter(patient=patient)) == [second, first]
    assert stored_points(first) == {"H1": 100}
    assert stored_points(second) == {"M1": 40, "R2": 60}
    assert stale_marks(patient) == 2


@pytest.mark.parametrize("points", [{}, [], None, [("H1", 50)]])
def test_no_points_at_all_are_refused(patient, points):
    assert refused(patient, points) == {
        "points": ["points must give at least one element some points"]
    }


@pytest.mark.parametrize("value", [-1, 10.5, "10", True, None])
def test_points_that_are_not_a_whole_number_of_0_or_more_are_refused(patient, value):
    assert refused(patient, {"H1": 20, "M2": value}) == {
        "points": ["points for M2 must be a whole number, 0 or more"]
    }


def test_points_for_something_unknown_are_refused_under_points(patient):
    assert refused(patient, {"H1": 20, "Q7": 10}) == {"points": [not_an_element("Q7")]}


def test_points_for_another_patients_item_are_refused(patient, other_patient):
    theirs = personal_item_create(patient=other_patient, label="Allotment", domain="R")
    assert refused(patient, {theirs.key: 10}) == {"points": [not_an_element(theirs.key)]}


def test_the_same_element_named_twice_is_refused(patient):
    assert refused(patient, {"H1": 20, " H1": 30}) == {"points": ["points name H1 twice"]}


def test_the_same_personal_item_named_twice_is_refused(patient):
    item = personal_item_create(patient=patient, label="Choir", domain="H")
    assert refused(patient, {item.key: 20, f" {item.key} ": 30}) == {
        "points": [f"points name {item.key} twice"]
    }
    assert stale_marks(patient) == 0


@pytest.mark.parametrize(
    ("points", "total"), [({"H1": 0, "M1": 0}, 0), ({"H1": 60, "M1": 41}, 101)]
)
def test_points_adding_up_to_less_than_1_or_more_than_100_are_refused(patient, points, total):
    assert refused(patient, points) == {
        "points": [f"points must add up to between 1 and 100 (they add up to {total})"]
    }


def test_priorities_from_a_future_date_are_refused(patient):
    assert refused(patient, {"H1": 50}, effective_from=tomorrow()) == {
        "effective_from": ["effective_from must not be in the future"]
    }


def test_priorities_from_before_1900_are_refused(patient):
    assert refused(patient, {"H1": 50}, effective_from=dt.date(1899, 1, 1)) == {
        "effective_from": ["effective_from must not be before 1900"]
    }
