"""What an appointment reminder says about questionnaires: a line for each one the patient's
teams would like answered before that appointment (``patients.signals.reminder_lines``,
connected in ``AssessmentsConfig.ready``). Only questionnaires that can be answered on the
portal (their wording shipped or installed) are named."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext

from patients.models import Appointment, Patient
from patients.signals import reminder_lines

from .instrument_selectors import (
    BEFORE_APPOINTMENT_DAYS,
    instrument_worded,
    instruments_due,
    instruments_offered,
    is_worded,
    latest_responses,
)
from .instruments import INSTRUMENTS, Instrument
from .models import Schedule


def due_before(*, patient: Patient, appointment: Appointment, today: dt.date) -> list[Instrument]:
    """The questionnaires due by ``today`` (the day the reminder is sent): the quarterly ones
    not answered this quarter, and the ones asked before an appointment not answered within
    the fortnight before *this* appointment. One each, in published order."""
    before = {
        offer.instrument
        for offer in instruments_offered(patient=patient)
        if offer.schedule == Schedule.BEFORE_APPOINTMENT
    }
    due = {d.instrument.code: d.instrument for d in instruments_due(patient=patient, today=today)}
    for code in before:
        due.pop(code, None)
    if before:
        window = timezone.localtime(appointment.starts_at).date() - dt.timedelta(
            days=BEFORE_APPOINTMENT_DAYS
        )
        latest = latest_responses(patient=patient)
        for code in before:
            answered = latest[code].completed_on if code in latest else None
            if today >= window and (answered is None or answered < window):
                due[code] = instrument_worded(code)
    return [due[code] for code in INSTRUMENTS if code in due and is_worded(due[code])]


@receiver(reminder_lines, dispatch_uid="assessments.reminder_lines")
def questionnaire_lines(
    sender, *, patient: Patient, appointment: Appointment, **kwargs
) -> list[str]:
    forms = due_before(patient=patient, appointment=appointment, today=timezone.localdate())
    # In the language the reminder is being written in (the patient's).
    line = gettext("Before you come, please answer a few short questions: %(name)s")
    return [line % {"name": form.name} for form in forms]
