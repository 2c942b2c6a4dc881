"""Writes of patients and the records of care. Each service owns its transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.services import summaries_mark_stale

from .models import (
    Agenda,
    Appointment,
    AuditEvent,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Patient,
    Strategy,
    Team,
    User,
)
from .validation import EARLIEST_DATE, full_clean


def _not_in_future(field: str, day: dt.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{field} must not be in the future"})
    if day < EARLIEST_DATE:
        raise ValidationError({field: f"{field} must not be before {EARLIEST_DATE:%Y}"})


@transaction.atomic
def patient_create(*, display_name: str, birth_year: int, teams: list[Team]) -> Patient:
    """Register a patient with one or more teams."""
    if not teams:
        raise ValidationError({"teams": "teams must name at least one team"})
    patient = full_clean(Patient(display_name=display_name.strip(), birth_year=birth_year))
    patient.save()
    patient.teams.set(teams)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, **changes) -> Patient:
    """Change a patient's display name, birth year or teams."""
    teams = changes.pop("teams", None)
    for field, value in changes.items():
        setattr(patient, field, value.strip() if isinstance(value, str) else value)
    full_clean(patient).save()
    if teams is not None:
        if not teams:
            raise ValidationError({"teams": "teams must name at least one team"})
        patient.teams.set(teams)
    return patient


@transaction.atomic
def condition_record(
    *, patient: Patient, snomed_code: str, onset: dt.date | None = None, stage=None
) -> Condition:
    """Add a long-term condition, with its stage where the condition is staged."""
    code = ConditionCode.objects.filter(snomed_code=snomed_code).first()
    if code is None:
        raise ValidationError(
            {"snomed_code": f"snomed_code {snomed_code} is not a condition this service records"}
        )
    if onset is not None:
        _not_in_future("onset", onset)
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
    summaries_mark_stale(patient_id=patient.pk)
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
) -> ContextEvent:
    """Record something that moderates what a change in the patient's picture can be put down to."""
    _not_in_future("occurred_on", occurred_on)
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
    summaries_mark_stale(patient_id=patient.pk)
    return event


@transaction.atomic
def appointment_book(*, patient: Patient, clinician: User, starts_at: dt.datetime) -> Appointment:
    """Book an appointment; the patient's reminder to write an agenda follows from it."""
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "starts_at must be in the future"})
    appointment = full_clean(Appointment(patient=patient, clinician=clinician, starts_at=starts_at))
    appointment.save()
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
    """Save what the patient wants to talk about, replacing their agenda for that appointment."""
    texts = {"going_well": going_well, "hard": hard, "change": change, "questions": questions}
    texts = {k: (v or "").strip() for k, v in texts.items()}
    if not any(texts.values()):
        raise ValidationError({"questions": "write at least one thing you want to talk about"})
    if appointment is not None and appointment.patient_id != patient.pk:
        raise ValidationError({"appointment": "appointment must be one of this patient's"})
    agenda = (
        Agenda.objects.filter(patient=patient, appointment=appointment).first()
        if appointment is not None
        else None
    ) or Agenda(patient=patient, appointment=appointment)
    for field, text in texts.items():
        setattr(agenda, field, text)
    full_clean(agenda).save()
    return agenda


def request_id_of(request) -> str:
    """The id a proxy gave the request, or one of our own, kept on the request for its logs."""
    if not getattr(request, "ssm_request_id", None):
        given = request.META.get("HTTP_X_REQUEST_ID", "")[:64]
        request.ssm_request_id = given if given.isprintable() and given else uuid.uuid4().hex
    return request.ssm_request_id


def audit_record(*, request, patient: Patient | None, action: str, what: str) -> None:
    """Write who did what to which patient's record, when staff touch it or access is refused."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.is_patient and action != AuditEvent.Action.DENIED:
        return  # a patient reading their own record is not an access to account for
    AuditEvent.objects.create(
        actor=user,
        actor_role=user.role if user else "anonymous",
        patient=patient,
        action=action,
        what=what[:200],
        path=request.path[:300],
        request_id=request_id_of(request),
    )


@contextmanager
def _errors_as(field: str | None = None, prefix: str = ""):
    """Re-label a service's ValidationError with the form field (or field prefix) it came from."""
    try:
        yield
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        if field is not None:
            raise ValidationError({field: [m for ms in messages.values() for m in ms]}) from None
        raise ValidationError({f"{prefix}{k}": v for k, v in messages.items()}) from None


@transaction.atomic
def encounter_log(
    *,
    patient: Patient,
    clinician: User,
    encounter: dict,
    ratings: list[dict] = (),
    readings: list[dict] = (),
    reviews: list[dict] = (),
    new_goal: dict | None = None,
    target: dict | None = None,
    context_event: dict | None = None,
    next_appointment: dt.datetime | None = None,
) -> Encounter:
    """Record an encounter and everything noted in it, all or nothing.

    Each item carries the name of the form field it came from (``field``), so an error is
    reported next to what the clinician typed.
    """
    from assessments.services import (
        goal_create,
        goal_review_record,
        rating_record,
        reading_record,
        target_set,
    )

    with _errors_as(prefix=""):
        record = encounter_record(patient=patient, clinician=clinician, **encounter)
    day = timezone.localtime(record.occurred_at).date()
    for item in ratings:
        with _errors_as(item["field"]):
            rating_record(
                patient=patient,
                element=item["element"],
                value=item["value"],
                rater=item["rater"],
                rated_on=day,
                entered_by=clinician,
                encounter=record,
            )
    for item in readings:
        with _errors_as(item["field"]):
            reading_record(
                patient=patient,
                loinc=item["loinc"],
                value=item["value"],
                unit=item["unit"],
                taken_on=day,
                recorded_by=clinician,
                encounter=record,
            )
    for item in reviews:
        with _errors_as(item["field"]):
            goal_review_record(
                goal=item["goal"],
                attainment=item["attainment"],
                reviewed_on=day,
                reviewed_by=clinician,
                encounter=record,
            )
    if new_goal:
        with _errors_as(prefix="goal_"):
            goal_create(patient=patient, baseline_on=day, created_by=clinician, **new_goal)
    if target:
        with _errors_as(prefix="target_"):
            target_set(patient=patient, set_by=clinician, **target)
    if context_event:
        with _errors_as(prefix="context_"):
            context_event_record(patient=patient, recorded_by=clinician, **context_event)
    if next_appointment:
        with _errors_as("next_appointment"):
            appointment_book(patient=patient, clinician=clinician, starts_at=next_appointment)
    return record


@transaction.atomic
def condition_update(*, condition: Condition, onset: dt.date | None, stage=None) -> Condition:
    """Change a condition's onset or stage (for example after a Hoehn and Yahr reassessment)."""
    code = condition.code
    if onset is not None:
        _not_in_future("onset", onset)
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
    return condition
