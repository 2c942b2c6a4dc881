"""Appointment reminders: which are due (beat runs ``reminders_send_due`` every hour), and
sending each exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from patients.emails import portal_email, site_link
from patients.models import (
    Appointment,
)
from patients.selectors import appointments_due_reminder
from patients.signals import reminder_lines
from ssm_outcomes.languages import language_for
from ssm_outcomes.task_queue import enqueue

logger = logging.getLogger(__name__)


def reminders_send_due() -> int:
    """Queue a reminder for each appointment due one; a failure to queue never stops the rest."""
    due = appointments_due_reminder(now=timezone.now(), days=settings.REMINDER_DAYS_BEFORE)
    # With the broker down, enqueue logs it and the next run finds the appointment still due.
    return sum(
        enqueue("patients.tasks.send_reminder", appointment_id)
        for appointment_id in list(due.values_list("id", flat=True))
    )


def _reminder_extra_lines(appointment: Appointment) -> list[str]:
    """The lines the layers above add to a reminder (questionnaires to answer first); a
    receiver that fails is logged and left out, so the reminder still goes."""
    lines: list[str] = []
    for receiver, result in reminder_lines.send_robust(
        sender=None, patient=appointment.patient, appointment=appointment
    ):
        if isinstance(result, Exception):
            logger.error(
                "reminder lines from %r failed", receiver, exc_info=(type(result), result, None)
            )
            continue
        lines.extend(str(line) for line in result or ())
    return lines


def _reminder_deliver(message: EmailMessage, appointment_id: int, sent_at: dt.datetime) -> None:
    try:
        message.send()
    except Exception:
        # Hand the claim back so a retry, or the next run, sends it; then let the task retry.
        Appointment.objects.filter(pk=appointment_id, reminder_sent_at=sent_at).update(
            reminder_sent_at=None
        )
        raise


@transaction.atomic
def reminder_send(*, appointment_id: int) -> bool:
    """Email one appointment's reminder unless it has been sent; True when this call sends it.

    The conditional update is the exactly-once record: of two workers, only one claims it.
    """
    appointment = (
        appointments_due_reminder(now=timezone.now(), days=settings.REMINDER_DAYS_BEFORE)
        .select_related("patient__user", "clinician")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return False
    sent_at = timezone.now()
    claimed = Appointment.objects.filter(pk=appointment_id, reminder_sent_at__isnull=True).update(
        reminder_sent_at=sent_at
    )
    if not claimed:
        return False
    user = appointment.patient.user
    language = language_for(user)
    # The lines the layers above add are written in the patient's language too.
    with translation.override(language):
        extra_lines = _reminder_extra_lines(appointment)
    message = portal_email(
        "reminder",
        {
            "user": user,
            "appointment": appointment,
            "starts_at": timezone.localtime(appointment.starts_at),
            "agenda_link": site_link("portal:agenda"),
            "extra_lines": extra_lines,
            "portal_link": site_link("portal:home"),
            "settings_link": site_link("portal:settings"),
        },
        user.email,
        language=language,
    )
    transaction.on_commit(partial(_reminder_deliver, message, appointment_id, sent_at))
    return True
