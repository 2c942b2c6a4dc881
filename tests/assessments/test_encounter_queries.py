"""An encounter saved in a handful of queries: one transaction, each element looked up once,
objects in hand never fetched again, constraints left to the database (its refusal worded as
model validation words it), and one stale mark per patient per transaction."""

import datetime as dt
from contextlib import suppress
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from assessments.encounters import encounter_log
from assessments.models import GoalReview, PersonalTarget, Rating, Reading
from assessments.services import goal_create, personal_item_create
from indicators.freshness import summaries_mark_stale
from indicators.models import SummaryState
from patients.models import Agenda, Appointment, AuditEvent, Encounter
from patients.validation import full_clean, record_save
from tests.api.conftest import client_for
from tests.factories import AppointmentFactory, PersonalTargetFactory, marker

from .helpers import days_ago

pytestmark = pytest.mark.django_db


def in_a_fortnight() -> dt.datetime:
    soon = timezone.localtime() + dt.timedelta(days=14)
    return soon.replace(hour=10, minute=0, second=0, microsecond=0)


# --- A constraint the database refuses says what model validation says ------------------------


def slot_taken(patient, clinician):
    booked = AppointmentFactory(patient=patient, clinician=clinician, starts_at=in_a_fortnight())
    return Appointment(patient=patient, clinician=clinician, starts_at=booked.starts_at)


def target_twice(patient, clinician):
    PersonalTargetFactory(patient=patient, marker=marker("8480-6"), high=Decimal(140))
    return PersonalTarget(patient=patient, marker=marker("8480-6"), high=Decimal(150))


def agenda_empty(patient, clinician):
    return Agenda(patient=patient)


REFUSALS = {
    "a slot booked twice": (
        slot_taken,
        {"__all__": ["Appointment with this Patient, Clinician and Starts at already exists."]},
    ),
    "a second target for one marker": (
        target_twice,
        {"__all__": ["Personal target with this Patient and Marker already exists."]},
    ),
    "an agenda with nothing in it": (
        agenda_empty,
        {"__all__": ["Constraint “agenda_not_empty” is violated."]},
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_model_validation_words_each_constraint_so(name, patient, clinician):
    make, message = REFUSALS[name]
    with pytest.raises(ValidationError) as refused:
        full_clean(make(patient, clinician))
    assert refused.value.message_dict == message


@pytest.mark.parametrize("name", REFUSALS)
def test_a_constraint_left_to_the_database_is_refused_in_the_same_words(name, patient, clinician):
    make, message = REFUSALS[name]
    record = make(patient, clinician)
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        record_save(record)
    assert refused.value.message_dict == message
    with pytest.raises(ValidationError) as checked:
        full_clean(record)
    assert [e.code for e in refused.value.error_dict["__all__"]] == [
        e.code for e in checked.value.error_dict["__all__"]
    ]
    assert record.pk is None


def test_a_refusal_by_the_database_leaves_nothing_more_to_run_in_its_block(patient, clinician):
    record = slot_taken(patient, clinician)
    with transaction.atomic():
        with pytest.raises(ValidationError):
            record_save(record)
        assert transaction.get_rollback()  # PostgreSQL would refuse any further query
    assert Appointment.objects.filter(patient=patient).count() == 1


# --- An encounter with three ratings, a reading, a goal review and an appointment --------------

# The save itself: the encounter, 3 ratings, a reading, a goal review, the appointment's read and
# write, one stale mark, the audit row, and the transaction (a savepoint inside a test).
SAVE_QUERIES = 15
# The whole page request on top of it: the session and user, the patient, what the form offers
# (elements, goals, instruments, markers, domains), and the session's success message.
FORM_POST_QUERIES = SAVE_QUERIES + 11


@pytest.fixture
def consultation(patient):
    """A patient with a goal and an item of their own, their summaries computed once."""
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")
    goal = goal_create(
        patient=patient, description="Walk daily", domain="H", baseline_on=days_ago(30)
    )
    SummaryState.objects.filter(patient=patient).update(computed_up_to=F("dirty"))
    return item, goal


def stale_marks(patient) -> int:
    return SummaryState.objects.get(patient=patient).dirty


def test_the_encounter_form_saves_everything_in_at_most_15_queries(
    client, clinician, patient, consultation, django_assert_max_num_queries
):
    item, goal = consultation
    client.force_login(clinician)
    marks = stale_marks(patient)
    occurred = timezone.localtime().replace(second=0, microsecond=0)
    form = {
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "mode": "phone",
        "initiated_by": "patient",
        "duration_minutes": "25",
        "note": "Talked about the choir.",
        "target_relevant": "on",  # ticked when the form is shown, so a browser sends it
        "proxy_H1": "7",
        "own_H1": "5",
        f"proxy_{item.key}": "9",
        "reading_59261-8": "52.5",
        f"review_{goal.pk}": "1",
        "next_appointment": in_a_fortnight().strftime("%Y-%m-%dT%H:%M"),
    }

    def save_counted(**arguments):
        with django_assert_max_num_queries(SAVE_QUERIES):
            return encounter_log(**arguments)

    with (
        mock.patch("clinic.views.workspace.encounter_log", side_effect=save_counted) as saved,
        django_assert_max_num_queries(FORM_POST_QUERIES),
    ):
        response = client.post(reverse("clinic:encounter-new", args=[patient.pk]), form)

    assert response.status_code == 302, response.context["form"].errors
    assert saved.call_count == 1
    encounter = Encounter.objects.get(patient=patient)
    assert (
        encounter.clinician,
        encounter.occurred_at,
        encounter.mode,
        encounter.initiated_by,
        encounter.duration_minutes,
        encounter.note,
    ) == (clinician, occurred, "phone", "patient", 25, "Talked about the choir.")
    ratings = Rating.objects.filter(patient=patient).select_related("element")
    assert sorted((r.element.key, r.rater, r.value, r.encounter_id) for r in ratings) == sorted(
        [
            ("H1", "proxy", 7, encounter.pk),
            ("H1", "clinician", 5, encounter.pk),
            (item.key, "proxy", 9, encounter.pk),
        ]
    )
    assert {r.rated_on for r in ratings} == {occurred.date()}
    reading = Reading.objects.get(patient=patient)
    assert (reading.marker.loinc, reading.value, reading.encounter) == (
        "59261-8",
        Decimal("52.50"),
        encounter,
    )
    review = GoalReview.objects.get(goal=goal)
    assert (review.attainment, review.encounter, review.reviewed_by) == (1, encounter, clinician)
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.clinician, appointment.starts_at) == (clinician, in_a_fortnight())
    assert (
        AuditEvent.objects.filter(patient=patient, action="create", what="encounter").count() == 1
    )
    assert stale_marks(patient) == marks + 1  # one mark for the whole encounter, not six


def test_the_api_saves_an_encounter_in_at_most_15_queries(
    clinician, patient, consultation, django_assert_max_num_queries
):
    api = client_for(clinician)
    marks = stale_marks(patient)
    body = {
        "occurred_at": "2026-10-05T10:30:00+01:00",
        "mode": "face_to_face",
        "initiated_by": "patient",
        "duration_minutes": 20,
        "strategies": ["goal_setting", "problem_solving"],
        "note": "Talked about walking.",
    }

    with django_assert_max_num_queries(SAVE_QUERIES):
        response = api.post(f"/api/v1/patients/{patient.pk}/encounters/", body, format="json")

    assert response.status_code == 201, response.json()
    encounter = Encounter.objects.get(pk=response.json()["id"])
    assert (
        encounter.patient,
        encounter.clinician,
        encounter.occurred_at,
        encounter.duration_minutes,
        encounter.strategies,
        encounter.note,
    ) == (
        patient,
        clinician,
        dt.datetime(2026, 10, 5, 9, 30, tzinfo=dt.UTC),
        20,
        ["goal_setting", "problem_solving"],
        "Talked about walking.",
    )
    assert (
        AuditEvent.objects.filter(patient=patient, action="create", what="encounters").count() == 1
    )
    assert stale_marks(patient) == marks + 1


def test_a_slot_taken_between_the_read_and_the_write_refuses_the_encounter_in_its_words(
    client, clinician, patient, consultation
):
    """Another request books the same slot after this one has looked: the database refuses the
    second, and the form says so beside the next appointment, as model validation would."""
    client.force_login(clinician)
    starts_at = in_a_fortnight()

    def booked_meanwhile(record, **kwargs):
        if isinstance(record, Appointment):
            Appointment.objects.bulk_create(
                [Appointment(patient=patient, clinician=clinician, starts_at=starts_at)]
            )
        return record_save(record, **kwargs)

    with mock.patch("patients.services.record_save", side_effect=booked_meanwhile):
        response = client.post(
            reverse("clinic:encounter-new", args=[patient.pk]),
            {
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "mode": "face_to_face",
                "initiated_by": "service",
                "duration_minutes": "15",
                "target_relevant": "on",
                "proxy_H1": "7",
                "next_appointment": starts_at.strftime("%Y-%m-%dT%H:%M"),
            },
        )

    assert response.status_code == 400
    assert response.context["form"].errors["next_appointment"] == [
        "Appointment with this Patient, Clinician and Starts at already exists."
    ]
    assert not Encounter.objects.filter(patient=patient).exists()
    assert not Rating.objects.filter(patient=patient).exists()
    assert not Appointment.objects.filter(patient=patient).exists()  # the other one rolled back too


# --- One stale mark per patient per transaction ------------------------------------------------


class UndoneError(Exception):
    pass


def test_a_patient_is_marked_stale_once_in_a_transaction(patient, other_patient):
    summaries_mark_stale(patient_id=patient.pk)
    summaries_mark_stale(patient_id=other_patient.pk)
    marks, others = stale_marks(patient), stale_marks(other_patient)

    with transaction.atomic():
        for _ in range(3):
            summaries_mark_stale(patient_id=patient.pk)
        summaries_mark_stale(patient_id=other_patient.pk)

    assert (stale_marks(patient), stale_marks(other_patient)) == (marks + 1, others + 1)


def test_each_transaction_marks_again(patient):
    summaries_mark_stale(patient_id=patient.pk)
    marks = stale_marks(patient)

    for _ in range(2):
        with transaction.atomic():
            summaries_mark_stale(patient_id=patient.pk)
            summaries_mark_stale(patient_id=patient.pk)

    assert stale_marks(patient) == marks + 2


def test_a_mark_rolled_back_with_its_savepoint_is_made_again(patient):
    summaries_mark_stale(patient_id=patient.pk)
    marks = stale_marks(patient)

    with transaction.atomic():
        with suppress(UndoneError), transaction.atomic():
            summaries_mark_stale(patient_id=patient.pk)
            raise UndoneError  # the mark goes with the savepoint
        assert stale_marks(patient) == marks
        summaries_mark_stale(patient_id=patient.pk)
        summaries_mark_stale(patient_id=patient.pk)

    assert stale_marks(patient) == marks + 1


def test_a_mark_kept_by_a_released_savepoint_is_not_made_again(patient):
    summaries_mark_stale(patient_id=patient.pk)
    marks = stale_marks(patient)

    with transaction.atomic():
        with transaction.atomic():
            summaries_mark_stale(patient_id=patient.pk)
        summaries_mark_stale(patient_id=patient.pk)

    assert stale_marks(patient) == marks + 1


def test_outside_a_transaction_every_mark_is_made(patient):
    summaries_mark_stale(patient_id=patient.pk)
    marks = stale_marks(patient)

    summaries_mark_stale(patient_id=patient.pk)
    summaries_mark_stale(patient_id=patient.pk)

    assert stale_marks(patient) == marks + 2


def test_one_refresh_is_queued_after_the_commit(patient, django_capture_on_commit_callbacks):
    with (
        mock.patch("indicators.freshness.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for _ in range(3):
            summaries_mark_stale(patient_id=patient.pk)

    assert enqueue.call_args_list == [
        mock.call("indicators.tasks.refresh_patient_summaries", patient.pk)
    ]
