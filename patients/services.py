"""Writes of patients and the records of care. Each service owns its transaction."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode

from patients.signals import records_changed, teams_changed
from ssm_outcomes.task_queue import enqueue

from .audit import Audit, audited
from .models import (
    Agenda,
    Appointment,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Invitation,
    Membership,
    Patient,
    Strategy,
    Team,
    User,
)
from .selectors import appointments_due_reminder, teams_for_user
from .validation import EARLIEST_DATE, date_not_in_future, full_clean

log = logging.getLogger(__name__)


@transaction.atomic
def patient_create(
    *, display_name: str, birth_year: int, teams: list[Team], audit: Audit | None = None
) -> Patient:
    """Register a patient with one or more teams."""
    if not teams:
        raise ValidationError({"teams": "teams must name at least one team"})
    patient = full_clean(Patient(display_name=display_name.strip(), birth_year=birth_year))
    patient.save()
    patient.teams.set(teams)
    audited(audit, patient)
    return patient


@transaction.atomic
def patient_update(
    *, patient: Patient, changed_by: User | None = None, audit: Audit | None = None, **changes
) -> Patient:
    """Change a patient's display name, birth year or teams. A clinician (``changed_by``) adds or
    removes only teams they work in: the patient's other teams are kept as they were, so no
    team loses a patient to another team's clinician. A change of teams flags the team
    summaries on both sides, so they are recomputed without the patient or with them."""
    teams = changes.pop("teams", None)
    if teams is not None and not teams:
        raise ValidationError({"teams": "teams must name at least one team"})
    for field, value in changes.items():
        setattr(patient, field, value.strip() if isinstance(value, str) else value)
    full_clean(patient).save()
    if teams is not None:
        before = set(patient.teams.values_list("pk", flat=True))
        wanted = {getattr(t, "pk", t) for t in teams}
        if changed_by is not None:
            own = set(
                teams_for_user(user=changed_by, role=Membership.Role.CLINICIAN).values_list(
                    "pk", flat=True
                )
            )
            if wanted - own:
                raise ValidationError({"teams": "teams must be teams you work in"})
            wanted |= before - own
        patient.teams.set(wanted)
        if before != wanted:
            teams_changed.send(sender=None, patient_id=patient.pk, left_team_ids=before)
    audited(audit, patient)
    return patient


@transaction.atomic
def condition_record(
    *,
    patient: Patient,
    snomed_code: str,
    onset: dt.date | None = None,
    stage=None,
    audit: Audit | None = None,
) -> Condition:
    """Add a long-term condition, with its stage where the condition is staged."""
    code = ConditionCode.objects.filter(snomed_code=snomed_code).first()
    if code is None:
        raise ValidationError(
            {"snomed_code": f"snomed_code {snomed_code} is not a condition this service records"}
        )
    if Condition.objects.filter(patient=patient, code=code).exists():
        raise ValidationError(
            {
                "snomed_code": ValidationError(
                    f"snomed_code {snomed_code}: this patient already has {code.display}; "
                    "change its onset or stage instead",
                    code="condition_recorded",
                )
            }
        )
    if onset is not None:
        date_not_in_future("onset", onset)
    if stage is not None:
        if code.stage_min is None:
            raise ValidationError({"stage": f"stage does not apply to {code.display}"})
        if not code.stage_min <= stage <= code.stage_max:
            raise ValidationError(
                {
                    "stage": f"stage must be between {code.stage_min} and {code.stage_max} "
                    f"({code.stage_system})"
                }
            )
    condition = full_clean(Condition(patient=patient, code=code, onset=onset, stage=stage))
    condition.save()
    audited(audit, patient)
    return condition


def _check_strategies(strategies: list[str]) -> list[str]:
    if not isinstance(strategies, list):
        raise ValidationError({"strategies": "strategies must be a list"})
    unknown = [s for s in strategies if s not in Strategy.values]
    if unknown:
        raise ValidationError(
            {
                "strategies": f"strategies must be among {', '.join(Strategy.values)}; "
                f"not {', '.join(map(str, unknown))}"
            }
        )
    return list(dict.fromkeys(strategies))


@transaction.atomic
def encounter_record(
    *,
    patient: Patient,
    clinician: User,
    occurred_at: dt.datetime,
    mode: str,
    initiated_by: str,
    duration_minutes: int,
    strategies: list[str] | None = None,
    note: str = "",
    agenda_discussed: bool | None = None,
    audit: Audit | None = None,
) -> Encounter:
    """Record a contact between a patient and a clinician."""
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "occurred_at must not be in the future"})
    if occurred_at.date() < EARLIEST_DATE:
        raise ValidationError({"occurred_at": f"occurred_at must not be before {EARLIEST_DATE:%Y}"})
    encounter = full_clean(
        Encounter(
            patient=patient,
            clinician=clinician,
            occurred_at=occurred_at,
            mode=mode,
            initiated_by=initiated_by,
            duration_minutes=duration_minutes,
            strategies=_check_strategies(strategies or []),
            note=note,
            agenda_discussed=agenda_discussed,
        )
    )
    encounter.save()
    if agenda_discussed:
        Agenda.objects.filter(patient=patient, discussed_in__isnull=True).update(
            discussed_in=encounter
        )
    records_changed.send(sender=None, patient_id=patient.pk)
    audited(audit, patient)
    return encounter


@transaction.atomic
def context_event_record(
    *,
    patient: Patient,
    kind: str,
    occurred_on: dt.date,
    note: str = "",
    recorded_by: User | None = None,
    visible_to_patient: bool = True,
    audit: Audit | None = None,
) -> ContextEvent:
    """Record something that moderates what a change in the patient's picture can be put down to."""
    date_not_in_future("occurred_on", occurred_on)
    event = full_clean(
        ContextEvent(
            patient=patient,
            kind=kind,
            occurred_on=occurred_on,
            note=note,
            recorded_by=recorded_by,
            visible_to_patient=visible_to_patient,
        ),
        exclude=["recorded_by"],
    )
    event.save()
    records_changed.send(sender=None, patient_id=patient.pk)
    audited(audit, patient)
    return event


def appointment_time(moment: dt.datetime) -> str:
    """An appointment's time as people say it: "Thursday 3 December 2026 at 10:00"."""
    return date_format(timezone.localtime(moment), r"l j F Y \a\t H:i")


def appointment_booked(
    *, patient: Patient, clinician: User, starts_at: dt.datetime
) -> Appointment | None:
    """The appointment already booked for this patient with this clinician at that time."""
    return Appointment.objects.filter(
        patient=patient, clinician=clinician, starts_at=starts_at
    ).first()


@transaction.atomic
def appointment_book(
    *, patient: Patient, clinician: User, starts_at: dt.datetime, audit: Audit | None = None
) -> Appointment:
    """Book an appointment; the patient's reminder to write an agenda follows from it.

    Booking the time already booked with this clinician confirms that appointment (it is
    returned, not booked twice). A time at which the clinician sees another patient, or the
    patient sees another clinician, is refused with code ``appointment_clash``.
    """
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "starts_at must be in the future"})
    existing = appointment_booked(patient=patient, clinician=clinician, starts_at=starts_at)
    if existing is not None:
        audited(audit, patient)
        return existing
    clash = (
        Appointment.objects.filter(starts_at=starts_at)
        .filter(Q(clinician=clinician) | Q(patient=patient))
        .select_related("patient", "clinician")
        .first()
    )
    if clash is not None:
        whom = (
            f"{clinician} already sees another patient then"
            if clash.clinician_id == clinician.pk
            else f"{patient} already has an appointment then, with {clash.clinician}"
        )
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    f"{appointment_time(starts_at)} is taken: {whom}.",
                    code="appointment_clash",
                )
            }
        )
    appointment = full_clean(Appointment(patient=patient, clinician=clinician, starts_at=starts_at))
    appointment.save()
    audited(audit, patient)
    return appointment


@transaction.atomic
def agenda_write(
    *,
    patient: Patient,
    appointment: Appointment | None = None,
    going_well: str = "",
    hard: str = "",
    change: str = "",
    questions: str = "",
) -> Agenda:
    """Save what the patient wants to talk about, replacing their agenda for that appointment
    (or, with no appointment, the agenda they wrote earlier that has not been talked about yet).
    A changed agenda is waiting again, even if an earlier version was talked about."""
    texts = {"going_well": going_well, "hard": hard, "change": change, "questions": questions}
    texts = {k: (v or "").strip() for k, v in texts.items()}
    if not any(texts.values()):
        raise ValidationError({"questions": "write at least one thing you want to talk about"})
    if appointment is not None and appointment.patient_id != patient.pk:
        raise ValidationError({"appointment": "appointment must be one of this patient's"})
    earlier = Agenda.objects.filter(patient=patient, appointment=appointment)
    if appointment is None:
        earlier = earlier.filter(discussed_in__isnull=True).order_by("-created_at", "-id")
    agenda = earlier.first() or Agenda(patient=patient, appointment=appointment)
    changed = any(getattr(agenda, field) != text for field, text in texts.items())
    for field, text in texts.items():
        setattr(agenda, field, text)
    if changed:
        # What she wrote since it was last talked about is waiting to be talked about again.
        agenda.discussed_in = None
    full_clean(agenda).save()
    return agenda


@transaction.atomic
def condition_update(
    *, condition: Condition, onset: dt.date | None, stage=None, audit: Audit | None = None
) -> Condition:
    """Change a condition's onset or stage (for example after a Hoehn and Yahr reassessment)."""
    code = condition.code
    if onset is not None:
        date_not_in_future("onset", onset)
    if stage is not None and (
        code.stage_min is None or not code.stage_min <= stage <= code.stage_max
    ):
        rule = (
            f"stage must be between {code.stage_min} and {code.stage_max} ({code.stage_system})"
            if code.stage_min is not None
            else f"stage does not apply to {code.display}"
        )
        raise ValidationError({"stage": rule})
    condition.onset, condition.stage = onset, stage
    full_clean(condition).save()
    audited(audit, condition.patient)
    return condition


# --- Patient portal: invitations, appointment reminders, feedback on an appointment ------------

INVITATION_DAYS = 7
INVITATION_REFUSED = {
    "used": "This link has already been used. Sign in with the password you chose. If you have "
    "forgotten it, choose “Forgotten your password?” on the sign-in page.",
    "expired": "This link has expired. Ask your care team to send you a new one.",
    "has_login": "This link cannot be used because you already have a login. Sign in with "
    "your username and password. If you have forgotten your password, choose "
    "“Forgotten your password?” on the sign-in page.",
}


def site_link(name: str, **kwargs) -> str:
    """A full link to a page, for emails (SITE_URL and the page's path)."""
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def email_message(template: str, context: dict, to: str) -> EmailMessage:
    """An email from ``<template>_subject.txt`` and ``<template>.txt``, to one address."""
    subject = render_to_string(f"{template}_subject.txt", context)
    body = render_to_string(f"{template}.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[to])


def _email(template: str, context: dict, to: str) -> EmailMessage:
    return email_message(f"portal/email/{template}", context, to)


HAS_LOGIN = (
    "This patient already has a portal login. Their password and email address are theirs "
    "alone: send them sign-in help instead."
)


@transaction.atomic
def invitation_create(
    *,
    patient: Patient,
    created_by: User | None,
    email: str = "",
    days: int = INVITATION_DAYS,
    audit: Audit | None = None,
) -> tuple[Invitation, str]:
    """Make a one-time link for a patient without a login to choose one; email it when there is
    an address. A patient who has a login is refused: a link would let whoever
    holds it set that login's password, so they get `sign_in_help_send` instead.

    Returns the invitation and the link's token, which is never stored: show or send it now.
    """
    if patient.user_id is not None:
        raise ValidationError({"email": ValidationError(HAS_LOGIN, code="has_login")})
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": "email must be an email address, like name@example.org"}
            ) from None
    now = timezone.now()
    # Only the newest link works: making one retires any still open.
    Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = full_clean(
        Invitation(
            patient=patient,
            token_hash=Invitation.hash_token(token),
            email=email,
            created_by=created_by,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    invitation.save()
    if email:
        message = _email(
            "invitation",
            {
                "patient": patient,
                "inviter": created_by,
                "link": site_link("portal:welcome", token=token),
                "expires_at": invitation.expires_at,
            },
            email,
        )
        # A mail server that is down must not undo the invitation: the link is shown too.
        transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return invitation, token


def masked_email(address: str) -> str:
    """Enough of an address for staff to confirm it with the patient, not enough to read it:
    "pat.smith@example.org" → "p••••••••@e••••••.org"."""
    local, _, domain = address.partition("@")
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""

    def hide(part: str) -> str:
        return part[:1] + "•" * max(len(part) - 1, 1) if part else ""

    return f"{hide(local)}@{hide(name)}{dot}{tld}"


@transaction.atomic
def sign_in_help_send(
    *, patient: Patient, requested_by: User | None, audit: Audit | None = None
) -> str:
    """Email a patient who has a login their username and a link to choose a new password, at
    the address on their login (the only one staff can cause mail to go to). Returns that
    address masked, or "" when the login has no address and nothing could be sent; staff then
    print a sign-in letter, which carries no link."""
    user = patient.user
    if user is None:
        raise ValidationError({"patient": ["This patient has no portal login yet: invite them."]})
    if not user.email:
        return ""
    message = _email(
        "sign_in_help",
        {
            "user": user,
            "requested_by": requested_by,
            "sign_in_link": site_link("login"),
            "reset_link": site_link(
                "password_reset_confirm",
                uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
                token=default_token_generator.make_token(user),
            ),
            "reset_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
        user.email,
    )
    transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return masked_email(user.email)


@transaction.atomic
def portal_login_close(
    *, patient: Patient, closed_by: User | None, audit: Audit | None = None
) -> User | None:
    """End a patient's portal login (administrators only, for example when they can no longer
    sign in and have no email address): the login is switched off and unlinked, never given a
    new password, and the patient can then be invited to make a new one. Its address is told."""
    user = patient.user
    if user is None:
        return None
    user.is_active = False
    user.save(update_fields=["is_active"])
    patient.user = None
    patient.save(update_fields=["user", "updated_at"])
    if user.email:
        message = _email("login_closed", {"user": user, "closed_by": closed_by}, user.email)
        transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return user


def _username_free(username: str) -> None:
    if not username:
        raise ValidationError({"username": "Choose a username."})
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ValidationError(
            {"username": "Use only letters, numbers and the signs . - _ @ + in a username."}
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "Someone already has that username. Try another."})


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, password: str, username: str = "", email: str = ""
) -> User:
    """Use an open invitation: make the patient's login with the username and password they chose.

    An invitation never changes an existing login: one made before the patient had a login is
    refused once they have one.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("patient__user")
        .get(pk=invitation.pk)
    )
    if invitation.state != "open":
        raise ValidationError(INVITATION_REFUSED[invitation.state], code=invitation.state)
    patient = invitation.patient
    if patient.user_id is not None:
        raise ValidationError(INVITATION_REFUSED["has_login"], code="has_login")
    username = (username or "").strip()
    _username_free(username)
    user = User(username=username, role=User.Role.PATIENT)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": "Write an email address like name@example.org, or leave it empty."}
            ) from None
    user.email = email
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(used_at=now)
    Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    return user


def reminders_send_due() -> int:
    """Queue a reminder for each appointment due one; a failure to queue never stops the rest."""
    due = appointments_due_reminder(now=timezone.now(), days=settings.REMINDER_DAYS_BEFORE)
    # With the broker down, enqueue logs it and the next run finds the appointment still due.
    return sum(
        enqueue("patients.tasks.send_reminder", appointment_id)
        for appointment_id in list(due.values_list("id", flat=True))
    )


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
    message = _email(
        "reminder",
        {
            "user": appointment.patient.user,
            "appointment": appointment,
            "starts_at": timezone.localtime(appointment.starts_at),
            "agenda_link": site_link("portal:agenda"),
            "settings_link": site_link("portal:settings"),
        },
        appointment.patient.user.email,
    )
    transaction.on_commit(partial(_reminder_deliver, message, appointment_id, sent_at))
    return True


@transaction.atomic
def portal_settings_update(*, user: User, email: str, reminders: bool) -> User:
    """Change a patient's email address and whether they get appointment reminders."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": "Write an email address like name@example.org."}
            ) from None
    user.email, user.reminders_opt_out = email, not reminders
    user.save(update_fields=["email", "reminders_opt_out"])
    return user
