"""An encounter as the clinician's form logs it, all or nothing (the encounter, ratings, readings,
goal reviews, validated instruments answered on the patient's behalf, a new goal, a target, a
life event, the next appointment), and the patient's feedback on an appointment. Built on the
services of patients and assessments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.audit import Audit, audited
from patients.models import Appointment, Encounter, Patient, User
from patients.services import (
    appointment_write,
    context_event_write,
    encounter_time_checked,
    encounter_write,
)
from patients.validation import ONE_OF_THIS_PATIENTS, rule, worded

from .models import InstrumentRater
from .responses import response_record
from .services import (
    goal_review_write,
    goal_write,
    rating_write,
    reading_write,
    target_write,
)

RELATIONSHIP_CODES = ("R1", "R2", "R3", "R4")  # the relationship elements a patient rates


class _Problems:
    """Every problem of one submission, each under the form field it came from, so that all of
    them are reported together and nothing is saved until all are fixed."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def collect(self, part: Callable[[], Any], field: str | None = None, prefix: str = ""):
        """Run one part and return what it returns; a problem is noted (under ``field``, or the
        service's own field name after ``prefix``) and the next part still runs.

        The parts run in the one transaction of the whole, without a savepoint each: every part
        refuses before it writes anything, and with any problem the whole is rolled back. A
        constraint the database refused (``record_save``) leaves the transaction marked for
        rollback: the parts after it are not run, and the whole is refused with that problem."""
        if transaction.get_rollback():
            return None
        try:
            return part()
        except ValidationError as error:
            parts = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
            for key, errors in parts.items():
                name = field or (f"{prefix}{key}" if key not in ("", NON_FIELD_ERRORS) else "")
                self.errors.setdefault(name or NON_FIELD_ERRORS, []).extend(errors)
            return None


@dataclass(frozen=True)
class EncounterLogged:
    """What one encounter form saved: the encounter, and the next appointment booked (or the
    one already booked at that time, confirmed), or why it was not booked."""

    encounter: Encounter
    appointment: Appointment | None = None
    appointment_confirmed: bool = False
    appointment_problem: str = ""


@transaction.atomic
def encounter_log(
    *,
    patient: Patient,
    clinician: User,
    encounter: dict | None,
    ratings: Sequence[dict] = (),
    readings: Sequence[dict] = (),
    reviews: Sequence[dict] = (),
    responses: Sequence[dict] = (),
    new_goal: dict | None = None,
    target: dict | None = None,
    context_event: dict | None = None,
    next_appointment: dt.datetime | None = None,
    audit: Audit | None = None,
    keep: bool = True,
) -> EncounterLogged:
    """Record an encounter and everything noted in it, all or nothing.

    Every part is checked and every problem reported at once, each under the name of the form
    field it came from (``field`` of each item), so it is shown next to what was typed.
    ``encounter`` holds only its date (``occurred_at``) when the form could not read the
    encounter's other fields (it has its own errors for them), and is None when it could not
    read the date either: the encounter is not written and the whole is refused, but the date
    is still checked, and the parts against it, so their problems are said with the form's.
    The other parts are checked against today when the date is missing or refused. A clash of
    the next appointment with another one does not refuse the encounter: it is saved, the
    appointment is not, and ``appointment_problem`` says why. ``responses`` are validated
    instruments the clinician asked the patient in the encounter ({"field", "instrument",
    "answers"}): each is recorded as the patient's answers entered on their behalf (rater
    proxy) on its day.

    Ratings may name their element by key or give the element itself, and readings their
    marker's ``loinc`` or the ``marker`` itself: what the caller has read is not read again.
    With ``keep`` false everything is checked and nothing is kept: the problems are raised (an
    empty ValidationError when there are none), for a form that has problems of its own.
    """
    problems = _Problems()
    record = None
    when = (encounter or {}).get("occurred_at")
    if encounter is not None and encounter.keys() != {"occurred_at"}:
        record = problems.collect(
            partial(encounter_write, patient=patient, clinician=clinician, **encounter)
        )
    elif when is not None:
        problems.collect(partial(encounter_time_checked, when))
    dated = when is not None and "occurred_at" not in problems.errors
    day = timezone.localtime(when).date() if dated else timezone.localdate()
    for item in ratings:
        problems.collect(
            partial(
                rating_write,
                patient=patient,
                element=item["element"],
                value=item["value"],
                rater=item["rater"],
                rated_on=day,
                entered_by=clinician,
                encounter=record,
            ),
            item["field"],
        )
    for item in readings:
        problems.collect(
            partial(
                reading_write,
                patient=patient,
                loinc=item.get("marker") or item["loinc"],
                value=item["value"],
                unit=item["unit"],
                taken_on=day,
                recorded_by=clinician,
                encounter=record,
            ),
            item["field"],
        )
    for item in reviews:
        problems.collect(
            partial(
                goal_review_write,
                goal=item["goal"],
                attainment=item["attainment"],
                reviewed_on=day,
                reviewed_by=clinician,
                encounter=record,
            ),
            item["field"],
        )
    for item in responses:
        problems.collect(
            partial(
                response_record,
                patient=patient,
                instrument=item["instrument"],
                answers=item["answers"],
                completed_on=day,
                rater=InstrumentRater.PROXY,
                entered_by=clinician,
                encounter=record,
            ),
            item["field"],
        )
    if new_goal:
        problems.collect(
            partial(goal_write, patient=patient, baseline_on=day, created_by=clinician, **new_goal),
            prefix="goal_",
        )
    if target:
        problems.collect(
            partial(target_write, patient=patient, set_by=clinician, **target), prefix="target_"
        )
    if context_event:
        problems.collect(
            partial(context_event_write, patient=patient, recorded_by=clinician, **context_event),
            prefix="context_",
        )
    booked, confirmed, clash = None, False, ""
    if next_appointment:
        booked, confirmed, clash = problems.collect(
            partial(_next_appointment, patient, clinician, next_appointment), "next_appointment"
        ) or (None, False, "")
    if problems.errors or record is None or not keep:
        # Without an encounter the form has its own errors to show beside these.
        raise ValidationError(problems.errors)
    audited(audit, patient)
    return EncounterLogged(record, booked, confirmed, clash)


def _next_appointment(patient, clinician, starts_at) -> tuple[Appointment | None, bool, str]:
    """Book the next appointment from an encounter: (the appointment, whether it was booked
    already, why it could not be booked if it clashes with another). A clash is found before
    anything is written, so the encounter's transaction goes on without it."""
    try:
        booked, already = appointment_write(
            patient=patient, clinician=clinician, starts_at=starts_at
        )
    except ValidationError as error:
        found = getattr(error, "error_dict", {}).get("starts_at", [])
        clash = next((worded(e) for e in found if e.code == "appointment_clash"), None)
        if clash is None:
            raise
        return None, False, clash
    return booked, already, ""


@transaction.atomic
def feedback_record(
    *, patient: Patient, encounter: Encounter, answers: dict[str, int | None], entered_by: User
) -> list:
    """Record how a patient felt one appointment went, on the relationship elements R1 to R4."""
    given = {code: value for code, value in answers.items() if value is not None}
    unknown = sorted(set(given) - set(RELATIONSHIP_CODES))
    if unknown:
        raise rule(
            "answers",
            _("%(field)s are about R1 to R4, not %(unknown)s"),
            "answers_unknown",
            unknown=", ".join(unknown),
        )
    if not given:
        raise rule("answers", _("Answer at least one question."), "answers_empty")
    if encounter.patient_id != patient.pk:
        raise rule("encounter", ONE_OF_THIS_PATIENTS, "not_this_patients")
    return [
        rating_write(
            patient=patient,
            element=code,
            value=value,
            rated_on=timezone.localdate(),
            rater="patient",
            entered_by=entered_by,
            encounter=encounter,
        )
        for code, value in given.items()
    ]
