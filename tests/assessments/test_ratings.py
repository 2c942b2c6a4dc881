"""rating_record: a 0–10 rating of one element or personal item, by whom and when."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Rating
from assessments.services import personal_item_create, rating_record
from indicators.models import PatientSummary, SummaryState
from indicators.scoring import period_of
from ssm_outcomes import task_queue
from tests.factories import framework_element

from .helpers import days_ago, not_an_element, stale_marks, today, tomorrow

pytestmark = pytest.mark.django_db


def rate(patient, **changes):
    arguments = {
        "patient": patient,
        "element": "H1",
        "value": 7,
        "rated_on": days_ago(3),
        "rater": "patient",
    }
    arguments.update(changes)
    return rating_record(**arguments)


def refused(patient, **changes) -> dict:
    before = stale_marks(patient)
    with pytest.raises(ValidationError) as error:
        rate(patient, **changes)
    assert not Rating.objects.exists()
    assert stale_marks(patient) == before
    return error.value.message_dict


def test_a_patients_own_rating_is_stored_and_marks_the_summaries_stale(patient):
    before = stale_marks(patient)

    rating = rate(patient, element="M2", value=7, rated_on=days_ago(3))

    rating.refresh_from_db()
    assert (rating.patient, rating.element, rating.value, rating.rated_on) == (
        patient,
        framework_element("M2"),
        7,
        days_ago(3),
    )
    assert (rating.rater, rating.entered_by, rating.encounter) == ("patient", None, None)
    assert stale_marks(patient) == before + 1


def test_a_rating_of_a_personal_item_is_stored_against_the_item(patient):
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")

    rating = rate(patient, element=item.key, value=9)

    assert Rating.objects.get().element == item
    assert rating.value == 9


def test_staff_enter_the_patients_answer_as_proxy_in_an_encounter(patient, clinician, encounter):
    rating = rate(patient, rater="proxy", entered_by=clinician, encounter=encounter, value=4)

    rating.refresh_from_db()
    assert (rating.rater, rating.entered_by, rating.encounter, rating.value) == (
        "proxy",
        clinician,
        encounter,
        4,
    )


def test_a_clinician_records_their_own_view(patient, clinician):
    rating = rate(patient, rater="clinician", entered_by=clinician)
    assert Rating.objects.get(pk=rating.pk).rater == "clinician"


def test_a_patient_signed_in_records_their_own_rating(patient):
    rating = rate(patient, rater="patient", entered_by=patient.user)
    assert (rating.rater, rating.entered_by) == ("patient", patient.user)


@pytest.mark.parametrize("value", [0, 10])
def test_the_ends_of_the_scale_are_accepted(patient, value):
    assert rate(patient, value=value).value == value


def test_a_rating_made_today_is_accepted(patient):
    assert rate(patient, rated_on=today()).rated_on == today()


def test_after_commit_the_summaries_are_refreshed(patient, django_capture_on_commit_callbacks):
    with (
        mock.patch("indicators.freshness.enqueue", wraps=task_queue.enqueue) as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rate(patient, element="H1", value=8, rated_on=today())
        rate(patient, element="H2", value=6, rated_on=today())

    # one refresh for the patient, however many saves
    refreshes = [c for c in enqueue.call_args_list if "refresh_patient" in c.args[0]]
    assert refreshes == [mock.call("indicators.tasks.refresh_patient_summaries", patient.pk)]
    state = SummaryState.objects.get(patient=patient)
    assert state.computed_up_to == state.dirty
    assert PatientSummary.objects.filter(patient=patient, period=period_of(today())).exists()


@pytest.mark.parametrize("value", [11, -1, 100, 5.0, 7.5, "7", True, False, None])
def test_a_value_that_is_not_a_whole_number_from_0_to_10_is_refused(patient, value):
    assert refused(patient, value=value) == {
        "value": ["value must be a whole number between 0 and 10"]
    }


@pytest.mark.parametrize("rater", ["doctor", "", "Patient", None])
def test_an_unknown_rater_is_refused(patient, rater):
    assert refused(patient, rater=rater) == {"rater": ["rater must be patient, proxy or clinician"]}


@pytest.mark.parametrize("rater", ["proxy", "clinician"])
def test_a_patient_cannot_enter_a_rating_as_anyone_else(patient, rater):
    assert refused(patient, rater=rater, entered_by=patient.user) == {
        "rater": ["a patient's own ratings have rater patient"]
    }


def test_staff_cannot_enter_a_rating_as_the_patients_own(patient, clinician):
    assert refused(patient, rater="patient", entered_by=clinician) == {
        "rater": ["staff enter a patient's answer as proxy, or their own view as clinician"]
    }


def test_a_rating_dated_in_the_future_is_refused(patient):
    assert refused(patient, rated_on=tomorrow()) == {
        "rated_on": ["rated_on must not be in the future"]
    }


def test_a_rating_dated_before_1900_is_refused(patient):
    assert refused(patient, rated_on=dt.date(1899, 12, 31)) == {
        "rated_on": ["rated_on must not be before 1900"]
    }


def test_a_rating_without_a_date_is_refused(patient):
    assert refused(patient, rated_on=None) == {"rated_on": ["This field cannot be null."]}


@pytest.mark.parametrize("element", ["X1", "P999999", ""])
def test_a_rating_of_nothing_known_is_refused(patient, element):
    assert refused(patient, element=element) == {"element": [not_an_element(element)]}


def test_a_rating_of_another_patients_item_is_refused(patient, other_patient):
    theirs = personal_item_create(patient=other_patient, label="Allotment", domain="H")
    assert refused(patient, element=theirs.key) == {"element": [not_an_element(theirs.key)]}


def test_a_rating_in_another_patients_encounter_is_refused(patient, clinician, others_encounter):
    assert refused(patient, rater="proxy", entered_by=clinician, encounter=others_encounter) == {
        "encounter": ["encounter must be one of this patient's"]
    }
