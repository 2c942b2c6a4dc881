"""Writes of patients and the records of care. Each service owns its transaction."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.signals import records_changed, teams_changed
from ssm_outcomes.languages import language_checked

from .audit import Audit, audited
from .models import (
    Agenda,
    Appointment,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Membership,
    Patient,
    Strategy,
    Team,
    User,
)
from .selectors import agenda_being_written, teams_for_user
from .validation import (
    EARLIEST_DATE,
    IN_THE_FUTURE,
    ONE_OF_THIS_PATIENTS,
    TOO_EARLY,
    date_not_in_future,
    email_checked,
    full_clean,
    record_save,
    refused_together,
    rule,
)

log = logging.getLogger(__name__)


NO_TEAM = _("%(field)s must name at least one team")


def _stage_checked(code: ConditionCode, stage) -> None:
    """Refuse a stage the condition does not take (the rule is ``ConditionCode.stage_problem``),
    in the reader's language."""
    if not code.stage_problem(stage):
        return
    if code.stage_min is None or code.stage_max is None:
        raise rule(
            "stage",
            _("%(field)s does not apply to %(condition)s"),
            "stage_not_applicable",
            condition=code.display,
        )
    raise rule(
        "stage",
        _("%(field)s must be between %(low)s and %(high)s (%(system)s)"),
        "stage_out_of_range",
        low=str(code.stage_min),
        high=str(code.stage_max),
        system=code.stage_system,
    )


@transaction.atomic
def patient_create(
    *, display_name: str, birth_year: int, teams: list[Team], audit: Audit | None = None
) -> Patient:
    """Register a patient with one or more teams."""
    if not teams:
        raise rule("teams", NO_TEAM, "teams_empty")
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
        raise rule("teams", NO_TEAM, "teams_empty")
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
                raise rule("teams", _("%(field)s must be teams you work in"), "teams_not_yours")
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
    onset_checked = partial(date_not_in_future, "onset", onset)
    if code is None:  # its stage cannot be checked; its onset still is, so both are said
        refused_together(partial(_condition_unknown, snomed_code), onset_checked)
    else:
        refused_together(
            partial(_not_recorded_yet, patient, code),
            onset_checked,
            partial(_stage_checked, code, stage),
        )
    condition = full_clean(Condition(patient=patient, code=code, onset=onset, stage=stage))
    condition.save()
    audited(audit, patient)
    return condition


def _condition_unknown(snomed_code: str) -> None:
    raise rule(
        "snomed_code",
        _("snomed_code %(snomed)s is not a condition this service records"),
        "condition_unknown",
        snomed=snomed_code,
    )


def _not_recorded_yet(patient: Patient, code: ConditionCode) -> None:
    if Condition.objects.filter(patient=patient, code=code).exists():
        raise rule(
            "snomed_code",
            _(
                "snomed_code %(snomed)s: this patient already has %(condition)s; "
                "change its onset or stage instead"
            ),
            "condition_recorded",
            snomed=code.snomed_code,
            condition=code.display,
        )


def _check_strategies(strategies: list[str]) -> list[str]:
    if not isinstance(strategies, list):
        raise rule("strategies", _("%(field)s must be a list"), "not_a_list")
    unknown = [s for s in strategies if s not in Strategy.values]
    if unknown:
        raise rule(
            "strategies",
            _("%(field)s must be among %(values)s; not %(unknown)s"),
            "strategy_unknown",
            values=", ".join(Strategy.values),
            unknown=", ".join(map(str, unknown)),
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
    encounter = encounter_write(
        patient=patient,
        clinician=clinician,
        occurred_at=occurred_at,
        mode=mode,
        initiated_by=initiated_by,
        duration_minutes=duration_minutes,
        strategies=strategies,
        note=note,
        agenda_discussed=agenda_discussed,
    )
    audited(audit, patient)
    return encounter


def encounter_write(
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
) -> Encounter:
    """``encounter_record`` in the caller's transaction, which writes the audit row: for a
    service that records the encounter as one part of its own write (``encounter_log``).
    A refusal is raised before anything is written."""
    encounter_time_checked(occurred_at)
    encounter = record_save(
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
    if agenda_discussed:
        Agenda.objects.filter(patient=patient, discussed_in__isnull=True).update(
            discussed_in=encounter
        )
    records_changed.send(sender=None, patient_id=patient.pk)
    return encounter


def encounter_time_checked(occurred_at: dt.datetime) -> dt.datetime:
    """An encounter's date and time as given; ValidationError on ``occurred_at`` when it is in
    the future or before ``EARLIEST_DATE``. ``encounter_write`` checks it; a caller that cannot
    write the encounter yet (a form with its own problems) checks it alone."""
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise rule("occurred_at", IN_THE_FUTURE, "date_in_future")
    if occurred_at.date() < EARLIEST_DATE:
        raise rule("occurred_at", TOO_EARLY, "date_too_early", year=f"{EARLIEST_DATE:%Y}")
    return occurred_at


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
    event = context_event_write(
        patient=patient,
        kind=kind,
        occurred_on=occurred_on,
        note=note,
        recorded_by=recorded_by,
        visible_to_patient=visible_to_patient,
    )
    audited(audit, patient)
    return event


def context_event_write(
    *,
    patient: Patient,
    kind: str,
    occurred_on: dt.date,
    note: str = "",
    recorded_by: User | None = None,
    visible_to_patient: bool = True,
) -> ContextEvent:
    """``context_event_record`` in the caller's transaction, which writes the audit row."""
    date_not_in_future("occurred_on", occurred_on)
    event = record_save(
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
    records_changed.send(sender=None, patient_id=patient.pk)
    return event


def appointment_time(moment: dt.datetime) -> str:
    """An appointment's time as people say it, in the active language: "Thursday 3 December 2026
    at 10:00", "donderdag 3 december 2026 om 10:00"."""
    local = timezone.localtime(moment)
    return gettext("%(day)s at %(time)s") % {
        "day": date_format(local, "l j F Y"),
        "time": time_format(local, "H:i"),
    }


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
    appointment, _already = appointment_write(
        patient=patient, clinician=clinician, starts_at=starts_at
    )
    audited(audit, patient)
    return appointment


def appointment_write(
    *, patient: Patient, clinician: User, starts_at: dt.datetime
) -> tuple[Appointment, bool]:
    """``appointment_book`` in the caller's transaction, which writes the audit row: the
    appointment, and whether it was booked already. A refusal (a clash, a time in the past) is
    raised before anything is written, so the caller's transaction goes on."""
    if starts_at <= timezone.now():
        raise rule("starts_at", _("%(field)s must be in the future"), "date_in_past")
    # One read for both: the same appointment booked already, or another one at that time.
    taken = list(
        Appointment.objects.filter(starts_at=starts_at)
        .filter(Q(clinician=clinician) | Q(patient=patient))
        .select_related("patient", "clinician")
    )
    for existing in taken:
        if existing.patient_id == patient.pk and existing.clinician_id == clinician.pk:
            return existing, True
    if taken:
        clash = taken[0]
        whom = (
            gettext("%(clinician)s already sees another patient then") % {"clinician": clinician}
            if clash.clinician_id == clinician.pk
            else gettext("%(patient)s already has an appointment then, with %(clinician)s")
            % {"patient": patient, "clinician": clash.clinician}
        )
        raise rule(
            "starts_at",
            _("%(time)s is taken: %(whom)s."),
            "appointment_clash",
            time=appointment_time(starts_at),
            whom=whom,
        )
    appointment = record_save(
        Appointment(patient=patient, clinician=clinician, starts_at=starts_at)
    )
    return appointment, False


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
    (or, with no appointment or none written for it yet, the agenda they wrote earlier with no
    appointment that has not been talked about yet: it becomes the appointment's).
    A changed agenda is waiting again, even if an earlier version was talked about."""
    texts = {"going_well": going_well, "hard": hard, "change": change, "questions": questions}
    texts = {k: (v or "").strip() for k, v in texts.items()}
    if not any(texts.values()):
        raise rule(
            "questions", _("write at least one thing you want to talk about"), "agenda_empty"
        )
    if appointment is not None and appointment.patient_id != patient.pk:
        raise rule("appointment", ONE_OF_THIS_PATIENTS, "not_this_patients")
    agenda = agenda_being_written(patient=patient, appointment=appointment) or Agenda(
        patient=patient
    )
    agenda.appointment = appointment  # one written with none booked becomes the appointment's
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
    refused_together(
        lambda: date_not_in_future("onset", onset),
        lambda: _stage_checked(code, stage),
    )
    condition.onset, condition.stage = onset, stage
    full_clean(condition).save()
    audited(audit, condition.patient)
    return condition


# --- Patient portal: invitations, appointment reminders, feedback on an appointment ------------


@transaction.atomic
def portal_settings_update(*, user: User, email: str, reminders: bool) -> User:
    """Change a patient's email address and whether they get appointment reminders."""
    email = email_checked(email, _("Write an email address like name@example.org."))
    user.email, user.reminders_opt_out = email, not reminders
    user.save(update_fields=["email", "reminders_opt_out"])
    return user


@transaction.atomic
def language_set(*, user: User, language: str) -> User:
    """Choose the language of a user's pages and emails: a code of settings.LANGUAGES, or "" to
    follow the browser (emails then go in the site's default). Anything else is refused, naming
    the field ``language`` (code ``language_unknown``)."""
    user.language = language_checked(language)
    user.save(update_fields=["language"])
    return user
