"""Celery tasks of the patients app: appointment reminders. Thin: they take ids, services work."""

from smtplib import SMTPException

from celery import shared_task

from . import imports, reminders


@shared_task(name="patients.tasks.send_due_reminders", acks_late=True)
def send_due_reminders() -> int:
    """Queue a reminder for every appointment that is due one (run by beat every hour)."""
    return reminders.reminders_send_due()


@shared_task(
    name="patients.tasks.send_reminder",
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def send_reminder(appointment_id: int) -> bool:
    """Email one appointment's reminder; safe to run twice, only one run sends it."""
    return reminders.reminder_send(appointment_id=appointment_id)


@shared_task(name="patients.tasks.import_patients", acks_late=True, soft_time_limit=1800,
             time_limit=1900)  # fmt: skip
def import_patients(import_id: int, user_id: int) -> str:
    """Run a previewed import in the background (a large file); its page shows the progress."""
    return imports.import_run_queued(import_id=import_id, user_id=user_id)
