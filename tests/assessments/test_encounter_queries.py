"""An encounter saved in a handful of queries: one transaction, each element looked up once,
objects in hand never fetched again, constraints left to the database (its refusal worded as
model validation words it), and one stale mark per patient per transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import PersonalTarget
from patients.models import Agenda, Appointment
from patients.validation import full_clean, record_save
from tests.factories import AppointmentFactory, PersonalTargetFactory, marker

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
