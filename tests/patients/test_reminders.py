"""Appointment reminders: sent once per appointment a few days ahead, with a link to write an
agenda; opt-out respected; a failed send retried without holding up anyone else's.

These tests commit for real (transactional database), so mail leaves on commit and a failure
reaches the task and its retries exactly as on a worker.
"""

import datetime as dt
import itertools
from smtplib import SMTPServerDisconnected

import pytest
from celery.schedules import crontab
from celery.schedules import schedule as celery_schedule
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from assessments.responses import response_record, team_instrument_offer
from patients.models import Appointment
from patients.reminders import reminder_send, reminders_send_due
from patients.signals import reminder_lines
from patients.tasks import send_due_reminders, send_reminder
from tests.factories import AppointmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class FlakyBackend(locmem.EmailBackend):
    """The test outbox, except that mail to some addresses fails a given number of times."""

    failures: dict[str, int] = {}
    attempts: list[str] = []

    def send_messages(self, messages):
        for message in messages:
            to = message.to[0]
            type(self).attempts.append(to)
            if type(self).failures.get(to, 0) > 0:
                type(self).failures[to] -= 1
                raise SMTPServerDisconnected(f"the mail server hung up on {to}")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts = {}, []
    return FlakyBackend


def soon(days: float = 2) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def with_email(patient, address: str):
    patient.user.email = address
    patient.user.save()
    return patient


@pytest.fixture
def appointment(patient, clinician):
    with_email(patient, "pat@example.org")
    return AppointmentFactory(
        patient=patient,
        clinician=clinician,
        starts_at=timezone.make_aware(dt.datetime.combine(soon().date(), dt.time(10, 30))),
    )


@pytest.fixture
def second_appointment(team, clinician):
    person = PatientFactory(teams=[team], user=UserFactory(role="patient", email="ada@example.org"))
    return AppointmentFactory(patient=person, clinician=clinician, starts_at=soon(2.5))


def test_a_due_reminder_is_emailed_with_the_agenda_link_and_recorded(
    appointment, clinician, settings
):
    settings.SITE_URL = "https://ssm.example.org"
    send_due_reminders.delay()

    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    local = timezone.localtime(appointment.starts_at)
    assert message.subject == (
        f"Your appointment on {local:%A} {local.day} {local:%B}: what would you like to talk about?"
    )
    assert f"with {clinician} on {local:%A} {local.day} {local:%B %Y} at 10:30" in message.body
    assert "https://ssm.example.org/me/next-appointment/" in message.body
    assert "https://ssm.example.org/me/settings/" in message.body
    assert "Hello Pat," in message.body
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None


def test_running_the_job_twice_sends_each_reminder_once(appointment):
    send_due_reminders.delay()
    appointment.refresh_from_db()
    first = appointment.reminder_sent_at

    send_due_reminders.delay()

    assert len(mail.outbox) == 1
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == first


def test_two_workers_sending_the_same_reminder_send_it_once(appointment):
    results = [
        send_reminder.delay(appointment.pk).get(),
        reminder_send(appointment_id=appointment.pk),
    ]

    assert results == [True, False]
    assert len(mail.outbox) == 1


def test_a_patient_who_opted_out_gets_no_reminder(appointment, patient):
    patient.user.reminders_opt_out = True
    patient.user.save()

    send_due_reminders.delay()

    assert mail.outbox == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None


def test_only_appointments_within_the_configured_days_are_reminded(patient, clinician, settings):
    with_email(patient, "pat@example.org")
    later = AppointmentFactory(patient=patient, clinician=clinician, starts_at=soon(5))
    past = AppointmentFactory(patient=patient, clinician=clinician, starts_at=soon(-1))

    assert reminders_send_due() == 0
    settings.REMINDER_DAYS_BEFORE = 7
    assert reminders_send_due() == 1

    later.refresh_from_db()
    past.refresh_from_db()
    assert later.reminder_sent_at is not None
    assert past.reminder_sent_at is None
    assert len(mail.outbox) == 1


def test_a_patient_without_an_email_address_or_a_login_is_left_out(patient, team, clinician):
    AppointmentFactory(patient=patient, clinician=clinician, starts_at=soon())
    AppointmentFactory(patient=PatientFactory(teams=[team]), clinician=clinician, starts_at=soon())

    assert reminders_send_due() == 0
    assert mail.outbox == []
    assert not Appointment.objects.filter(reminder_sent_at__isnull=False).exists()


def test_a_failed_send_is_retried_and_the_other_reminders_still_go(
    appointment, second_appointment, flaky_mail
):
    flaky_mail.failures = {"pat@example.org": 1}

    send_due_reminders.delay()

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "pat@example.org"]
    assert flaky_mail.attempts.count("pat@example.org") == 2
    assert flaky_mail.attempts.count("ada@example.org") == 1
    assert Appointment.objects.filter(reminder_sent_at__isnull=True).count() == 0


def test_a_send_that_keeps_failing_is_left_for_the_next_run_and_blocks_no_one(
    appointment, second_appointment, flaky_mail
):
    flaky_mail.failures = {"pat@example.org": 100}

    send_due_reminders.delay()

    assert [m.to[0] for m in mail.outbox] == ["ada@example.org"]
    assert flaky_mail.attempts.count("pat@example.org") == send_reminder.max_retries + 1
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None  # unsent, so the next run tries again

    flaky_mail.failures = {}
    send_due_reminders.delay()

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "pat@example.org"]


def test_a_queue_that_refuses_one_reminder_does_not_stop_the_rest(
    appointment, second_appointment, monkeypatch
):
    queued = []

    def apply_async(args=(), countdown=None):
        if args[0] == appointment.pk:
            raise ConnectionError("broker unreachable")
        queued.append(args[0])

    monkeypatch.setattr(send_reminder, "apply_async", apply_async)

    assert reminders_send_due() == 1
    assert queued == [second_appointment.pk]


# --- Questionnaires due before the appointment (assessments.reminder_lines) ----------------------

PHQ2_LINE = (
    "Before you come, please answer a few short questions: Patient Health Questionnaire-2 (PHQ-2)"
)
ONS4_LINE = "Before you come, please answer a few short questions: ONS personal well-being (ONS4)"
ANSWER_HERE = "You can do this on your pages: https://ssm.example.org/me/"


def answered(patient, code: str, days_ago: int) -> None:
    answers = {"1": 1, "2": 1} if code == "PHQ2" else {"1": 7}
    response_record(
        patient=patient,
        instrument=code,
        answers=answers,
        completed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        rater="patient",
    )


def at(days: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))


def test_a_reminder_lists_the_questionnaires_due_before_the_appointment(
    appointment, team, settings
):
    settings.SITE_URL = "https://ssm.example.org"
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")

    assert reminder_send(appointment_id=appointment.pk)

    [message] = mail.outbox
    assert f"{ONS4_LINE}\n" in message.body
    assert f"{PHQ2_LINE}\n" in message.body
    assert message.body.index(ONS4_LINE) < message.body.index(PHQ2_LINE)  # published order
    assert ANSWER_HERE in message.body
    assert message.body.index("A few words are enough.") < message.body.index(ONS4_LINE)


def test_the_questionnaire_line_is_in_the_patients_language(appointment, patient, team):
    patient.user.language = "nl"
    patient.user.save()
    team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")

    assert reminder_send(appointment_id=appointment.pk)

    [message] = mail.outbox
    assert "Wil je voor je afspraak een paar korte vragen beantwoorden? " in message.body
    assert "Before you come" not in message.body


def test_questionnaires_already_answered_are_not_in_the_reminder(appointment, patient, team):
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")
    answered(patient, "PHQ2", 0)
    answered(patient, "ONS4", 3)  # within the fortnight before this appointment

    assert reminder_send(appointment_id=appointment.pk)

    [message] = mail.outbox
    assert "Before you come, please answer" not in message.body
    assert "You can do this on your pages" not in message.body
    assert "A few words are enough.\n\nWe send this email" in message.body


def test_a_reminder_with_no_questionnaires_offered_reads_as_before(appointment):
    assert reminder_send(appointment_id=appointment.pk)

    [message] = mail.outbox
    assert "Before you come" not in message.body
    assert "A few words are enough.\n\nWe send this email" in message.body


def test_before_appointment_questionnaires_are_due_relative_to_the_appointment_reminded(
    patient, clinician, team, settings
):
    settings.REMINDER_DAYS_BEFORE = 5
    with_email(patient, "pat@example.org")
    team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")
    answered(patient, "ONS4", 12)
    sooner = AppointmentFactory(patient=patient, clinician=clinician, starts_at=at(1))
    later = AppointmentFactory(patient=patient, clinician=clinician, starts_at=at(3))

    assert reminder_send(appointment_id=sooner.pk)  # answered 12 days before a fortnight ends
    assert reminder_send(appointment_id=later.pk)  # answered before this one's fortnight began

    first, second = mail.outbox
    assert ONS4_LINE not in first.body
    assert ONS4_LINE in second.body


def test_a_licensed_questionnaire_without_its_words_is_not_asked_for(appointment, team):
    team_instrument_offer(team=team, instrument="EQ5D5L", schedule="quarterly")

    assert reminder_send(appointment_id=appointment.pk)

    [message] = mail.outbox
    assert "Before you come" not in message.body
    assert "EQ-5D" not in message.body


def test_another_teams_questionnaires_are_not_asked_for(appointment, other_team):
    team_instrument_offer(team=other_team, instrument="PHQ2", schedule="quarterly")

    assert reminder_send(appointment_id=appointment.pk)

    assert PHQ2_LINE not in mail.outbox[0].body


def test_a_failing_receiver_leaves_its_lines_out_and_the_reminder_still_goes(
    appointment, team, caplog
):
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")

    def broken(sender, **kwargs):
        raise RuntimeError("lines unavailable")

    reminder_lines.connect(broken, dispatch_uid="test-broken")
    try:
        assert reminder_send(appointment_id=appointment.pk)
    finally:
        reminder_lines.disconnect(dispatch_uid="test-broken")

    [message] = mail.outbox
    assert PHQ2_LINE in message.body  # the working receiver's line is still there
    assert "lines unavailable" in caplog.text


WEEK_START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday, in a week without a clock change


def fire_times(schedule, start: dt.datetime, days: int = 7) -> list[dt.datetime]:
    """When a beat schedule fires from `start` on, for `days` days, as beat itself works it out."""
    end = start + dt.timedelta(days=days)
    if isinstance(schedule, int | float):
        schedule = dt.timedelta(seconds=schedule)
    if isinstance(schedule, celery_schedule) and not isinstance(schedule, crontab):
        schedule = schedule.run_every
    if isinstance(schedule, dt.timedelta):
        return [start + schedule * n for n in range(1, int((end - start) / schedule) + 1)]
    assert isinstance(schedule, crontab), f"unexpected kind of schedule: {schedule!r}"
    times, moment = [], start
    while True:
        last, delta, _ = schedule.remaining_delta(moment)
        moment = last + delta
        if moment > end:
            return times
        times.append(moment)


def fires_once_an_hour(schedule) -> bool:
    times = fire_times(schedule, WEEK_START)
    gaps = {later - earlier for earlier, later in itertools.pairwise(times)}
    return len(times) == 7 * 24 and gaps == {dt.timedelta(hours=1)}


@pytest.mark.parametrize(
    "schedule",
    [
        crontab(minute=15, day_of_week=1),  # weekly hours: once an hour on Mondays only
        crontab(minute=15, hour=9),  # daily
        crontab(minute="*/30"),  # twice an hour
        crontab(minute=15, hour="8-18"),  # office hours
        dt.timedelta(hours=2),
        60.0,
    ],
)
def test_the_hourly_check_tells_other_schedules_apart(schedule):
    assert not fires_once_an_hour(schedule)


def test_beat_runs_the_reminder_job_every_hour():
    from ssm_outcomes.celery import app

    entry = app.conf.beat_schedule["appointments-send-reminders"]
    assert entry["task"] == "patients.tasks.send_due_reminders"
    assert entry["task"] in app.tasks
    assert send_reminder.acks_late is True

    schedule = entry["schedule"]
    times = fire_times(schedule, WEEK_START)
    assert len(times) == 7 * 24
    assert fires_once_an_hour(schedule)
    if isinstance(schedule, crontab):
        assert len(schedule.minute) == 1
        assert schedule.hour == set(range(24))
        assert schedule.day_of_week == set(range(7))
        assert schedule.day_of_month == set(range(1, 32))
        assert schedule.month_of_year == set(range(1, 13))
