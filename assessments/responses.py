"""Validated instruments in the product: recording a response (scored by
``assessments.instruments.score``), which instruments a team offers, and installing a site's
licensed wording from a pack. The instruments sit beside the patient-weighted index and never
enter it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from patients.audit import Audit, audited
from patients.models import Encounter, Patient, Team, User
from patients.signals import records_changed
from patients.validation import (
    ONE_OF_THIS_PATIENTS,
    date_not_in_future,
    full_clean,
    rule,
)
from ssm_outcomes.rules import ONE_OF, one_of

from .instruments import INSTRUMENTS, instrument, pack_problems, score
from .models import (
    InstrumentRater,
    InstrumentResponse,
    InstrumentWording,
    Schedule,
    TeamInstrument,
)

INSTRUMENT_RULE = one_of("instrument", INSTRUMENTS)


def instrument_checked(code: object, field: str = "instrument") -> str:
    """The code of a known instrument, or ValidationError naming the field and the codes."""
    if not isinstance(code, str) or code not in INSTRUMENTS:
        raise rule(
            "instrument",
            _("%(field)s must be one of %(codes)s; %(given)s is not"),
            "instrument_unknown",
            key=field,
            codes=", ".join(INSTRUMENTS),
            given=repr(code),
        )
    return code


def answers_checked(code: str, answers: object) -> tuple[dict[str, int | None], dict]:
    """The answers as stored (every item, None where skipped) and their scores; every problem
    reported at once under ``answers``, each naming the item."""
    if not isinstance(answers, Mapping):
        raise rule(
            "answers", _("%(field)s must map item link ids to a value or null"), "not_a_mapping"
        )
    form = instrument(code)
    problems = []
    for link_id, value in answers.items():
        try:
            score(code, {link_id: value})
        except ValueError as error:
            problems.append(_answer_problem(form, link_id, value, error))
    if problems:
        raise ValidationError({"answers": problems})
    stored = {item.link_id: answers.get(item.link_id) for item in form.items}
    if all(value is None for value in stored.values()):
        raise rule("answers", _("%(field)s must answer at least one item"), "answers_empty")
    return stored, score(code, stored)


def _answer_problem(form, link_id: object, value: object, error: ValueError) -> ValidationError:
    """What is wrong with one answer, in the reader's language (the rule is the instrument's
    ``score``; its own words, in English, only for a problem not foreseen here)."""
    item = next((item for item in form.items if item.link_id == link_id), None)
    params: dict[str, object] = {"field": "answers", "instrument": form.code}
    if item is None:
        message, code = _("%(instrument)s has no item %(item)s"), "item_unknown"
        params["item"] = repr(link_id)
    elif isinstance(value, bool) or not isinstance(value, int):
        message, code = (
            _("item %(item)s of %(instrument)s: %(value)s is not a whole number"),
            ("answer_not_whole"),
        )
        params.update(item=item.link_id, value=repr(value))
    elif value not in item.values:
        message, code = (
            _("item %(item)s of %(instrument)s: %(value)s is outside %(range)s"),
            ("answer_out_of_range"),
        )
        params.update(item=item.link_id, value=value, range=f"{item.lowest}–{item.highest}")
    else:
        return ValidationError(str(error), code="answer_invalid")
    return ValidationError(message, code=code, params=params)


def _rater_allowed(rater: str, entered_by: User | None) -> None:
    if rater not in InstrumentRater.values:
        raise rule("rater", _("%(field)s must be patient or proxy"), "rater_unknown")
    if entered_by is None:
        return
    if entered_by.is_patient and rater != InstrumentRater.PATIENT:
        raise rule("rater", _("a patient's own answers have rater patient"), "rater_not_patient")
    if not entered_by.is_patient and rater == InstrumentRater.PATIENT:
        raise rule("rater", _("staff enter a patient's answers as proxy"), "rater_patient_by_staff")


@transaction.atomic
def response_record(
    *,
    patient: Patient,
    instrument: str,
    answers: Mapping[str, int | None],
    completed_on: dt.date,
    rater: str,
    entered_by: User | None = None,
    encounter: Encounter | None = None,
    response: InstrumentResponse | None = None,
    audit: Audit | None = None,
) -> InstrumentResponse:
    """Record (or, given ``response``, update) a patient's answers to a validated instrument
    and its scores. Every problem is reported at once."""
    problems: dict[str, list[ValidationError]] = {}
    stored: dict[str, int | None] = {}
    scores: dict = {}
    for check in (
        lambda: _rater_allowed(rater, entered_by),
        lambda: date_not_in_future("completed_on", completed_on),
        lambda: instrument_checked(instrument),
    ):
        try:
            check()
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                problems.setdefault(field, []).extend(errors)
    if encounter is not None and encounter.patient_id != patient.pk:
        mismatch = rule("encounter", ONE_OF_THIS_PATIENTS, "not_this_patients")
        problems.setdefault("encounter", []).extend(mismatch.error_dict["encounter"])
    if "instrument" not in problems:
        try:
            stored, scores = answers_checked(instrument, answers)
        except ValidationError as error:
            problems.setdefault("answers", []).extend(error.error_dict["answers"])
    if problems:
        raise ValidationError(problems)
    record = response or InstrumentResponse(patient=patient, instrument=instrument)
    record.answers, record.scores = stored, scores
    record.completed_on, record.rater = completed_on, rater
    record.entered_by, record.encounter = entered_by, encounter
    full_clean(record).save()
    records_changed.send(sender=None, patient_id=patient.pk)
    audited(audit, patient)
    return record


@transaction.atomic
def team_instrument_offer(*, team: Team, instrument: str, schedule: str) -> TeamInstrument:
    """Offer an instrument to a team's patients, due each quarter or before each appointment."""
    instrument_checked(instrument)
    if schedule not in Schedule.values:
        raise rule(
            "schedule",
            ONE_OF,
            "schedule_unknown",
            codes=", ".join(Schedule.values),
        )
    offer, _ = TeamInstrument.objects.update_or_create(
        team=team, instrument=instrument, defaults={"schedule": schedule}
    )
    return offer


@transaction.atomic
def instrument_pack_install(pack: Mapping[str, object]) -> InstrumentWording:
    """Install a site's wording of an instrument in one language, checked against the shipped
    skeleton: any problem refuses the whole pack, every problem named, nothing installed."""
    problems = pack_problems(pack)
    if problems:
        raise ValidationError(problems)
    wording, _ = InstrumentWording.objects.update_or_create(
        instrument=str(pack["instrument"]),
        language=str(pack["language"]).lower(),
        defaults={"pack": dict(pack)},
    )
    return wording
