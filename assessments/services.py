"""Writes of what matters to a person and how it is going. Each service owns its transaction and
marks the patient's summaries stale, so every path (pages, API, imports) feeds them alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from patients.audit import Audit, audited
from patients.models import Encounter, Patient, User
from patients.signals import records_changed
from patients.validation import (
    ONE_OF_THIS_PATIENTS,
    date_not_in_future,
    full_clean,
    record_save,
    refused_together,
    rule,
)
from ssm_outcomes.content_language import language_columns
from ssm_outcomes.rules import NUMBER, filled

from .models import (
    Domain,
    Element,
    Goal,
    GoalReview,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rater,
    Rating,
    Reading,
    personal_item_id,
)
from .selectors import personal_item_exists

_ELEMENT = _("%(field)s must be a framework code (H1 to R4) or one of this patient's items (P<id>)")
ELEMENT_RULE = filled(_ELEMENT, {"field": "element"})
DOMAIN_RULE = _("%(field)s must be H, M or R")
GOAL_SAYS = _("%(field)s must say what the goal is")


def element_for_key(*, patient: Patient, key: str | Element, field: str = "element") -> Element:
    """The framework element or this patient's own item that a key such as H1 or P12 names.
    Given an element already read (a form's), it is checked by the same rule without reading it
    again: an active framework element, or one of this patient's items."""
    element: Element | None
    if isinstance(key, Element):
        element = key
        key = element.key
        if element.patient_id is None:
            usable = element.active and element.code != ""
        else:
            usable = element.patient_id == patient.pk
        element = element if usable else None
    else:
        key = str(key).strip()
        element = None
        if personal_item_id(key) is not None:
            element = Element.objects.keyed(key, patient=patient).first()
        elif key:
            element = Element.objects.framework().keyed(key).first()
    if element is None:
        raise rule(
            "element",
            _(
                "%(field)s must be a framework code (H1 to R4) or one of this patient's items "
                "(P<id>); %(given)s is neither"
            ),
            "element_unknown",
            key=field,
            given=repr(key),
        )
    return element


def _encounter_of(patient_id: int, encounter: Encounter | None) -> Encounter | None:
    if encounter is not None and encounter.patient_id != patient_id:
        raise rule("encounter", ONE_OF_THIS_PATIENTS, "not_this_patients")
    return encounter


def _rater_allowed(rater: str, entered_by: User | None) -> None:
    if rater not in Rater.values:
        raise rule("rater", _("%(field)s must be patient, proxy or clinician"), "rater_unknown")
    if entered_by is None:
        return
    if entered_by.is_patient and rater != Rater.PATIENT:
        raise rule("rater", _("a patient's own ratings have rater patient"), "rater_not_patient")
    if not entered_by.is_patient and rater == Rater.PATIENT:
        raise rule(
            "rater",
            _("staff enter a patient's answer as proxy, or their own view as clinician"),
            "rater_patient_by_staff",
        )


@transaction.atomic
def personal_item_create(
    *, patient: Patient, label: str, domain: str, audit: Audit | None = None
) -> Element:
    """Add something that matters to this patient, in their words, under one domain."""
    label = (label or "").strip()
    if not label:
        raise rule("label", _("%(field)s must not be empty"), "empty")
    if not Domain.objects.filter(code=domain).exists():
        raise rule("domain", DOMAIN_RULE, "domain_unknown")
    if personal_item_exists(patient=patient, label=label):
        raise rule("label", _("this patient already has an item with these words"), "item_exists")
    # The patient's own words, in the original column whatever the page's language
    # (assessments/translation.py): written under the default language.
    with translation.override(settings.LANGUAGE_CODE):
        item = Element(patient=patient, label=label, domain_id=domain, code="")
        item = full_clean(item, exclude=language_columns(Element))
        item.save()
    audited(audit, patient)
    return item


@transaction.atomic
def rating_record(
    *,
    patient: Patient,
    element: str | Element,
    value: int,
    rated_on: dt.date,
    rater: str,
    entered_by: User | None = None,
    encounter: Encounter | None = None,
    audit: Audit | None = None,
) -> Rating:
    """Record a 0–10 rating of one element or personal item (its key, or the element itself
    when the caller has read it already)."""
    rating = rating_write(
        patient=patient,
        element=element,
        value=value,
        rated_on=rated_on,
        rater=rater,
        entered_by=entered_by,
        encounter=encounter,
    )
    audited(audit, patient)
    return rating


def rating_write(
    *,
    patient: Patient,
    element: str | Element,
    value: int,
    rated_on: dt.date,
    rater: str,
    entered_by: User | None = None,
    encounter: Encounter | None = None,
) -> Rating:
    """``rating_record`` in the caller's transaction, which writes the audit row. A refusal is
    raised before anything is written, with every problem of the rating at once."""
    found: dict[str, Element] = {}

    def value_in_range() -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            raise rule(
                "value",
                _("%(field)s must be a whole number between %(low)s and %(high)s"),
                "rating_out_of_range",
                low=0,
                high=10,
            )

    def element_found() -> None:
        found["element"] = element_for_key(patient=patient, key=element)

    refused_together(
        lambda: _rater_allowed(rater, entered_by),
        lambda: date_not_in_future("rated_on", rated_on),
        value_in_range,
        element_found,
        lambda: _encounter_of(patient.pk, encounter),
    )
    rating = record_save(
        Rating(
            patient=patient,
            element=found["element"],
            value=value,
            rated_on=rated_on,
            rater=rater,
            entered_by=entered_by,
            encounter=encounter,
        )
    )
    records_changed.send(sender=None, patient_id=patient.pk)
    return rating


@transaction.atomic
def priorities_set(
    *,
    patient: Patient,
    effective_from: dt.date,
    points: dict[str, int],
    entered_by: User | None = None,
    audit: Audit | None = None,
) -> PrioritySet:
    """Save a new priority set from a date on; earlier sets stay as history. A refusal says
    the date's problem and the points' together."""
    elements: dict[int, tuple[Element, int]] = {}

    def points_checked() -> None:
        if not isinstance(points, dict) or not points:
            raise rule(
                "points", _("%(field)s must give at least one element some points"), "points_empty"
            )
        for key, value in points.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise rule(
                    "points",
                    _("points for %(element)s must be a whole number, 0 or more"),
                    "points_invalid",
                    element=key,
                )
            element = element_for_key(patient=patient, key=key, field="points")
            if element.pk in elements:
                raise rule(
                    "points",
                    _("points name %(element)s twice"),
                    "points_twice",
                    element=element.key,
                )
            elements[element.pk] = (element, value)
        total = sum(v for _, v in elements.values())
        if not 1 <= total <= 100:
            raise rule(
                "points",
                _("%(field)s must add up to between 1 and 100 (they add up to %(total)s)"),
                "points_total",
                total=total,
            )

    refused_together(lambda: date_not_in_future("effective_from", effective_from), points_checked)
    total = sum(v for _, v in elements.values())
    priority_set = full_clean(
        PrioritySet(
            patient=patient,
            effective_from=effective_from,
            total=total,
            entered_by=entered_by,
            by_proxy=entered_by is not None and not entered_by.is_patient,
        )
    )
    priority_set.save()
    PriorityPoint.objects.bulk_create(
        PriorityPoint(priority_set=priority_set, element=element, points=value)
        for element, value in elements.values()
    )
    records_changed.send(sender=None, patient_id=patient.pk)
    audited(audit, patient)
    return priority_set


@transaction.atomic
def goal_create(
    *,
    patient: Patient,
    description: str,
    domain: str,
    importance: int = 2,
    difficulty: int = 2,
    baseline_on: dt.date | None = None,
    expected_outcome: str = "",
    created_by: User | None = None,
    audit: Audit | None = None,
) -> Goal:
    """Add a goal in the patient's own words."""
    goal = goal_write(
        patient=patient,
        description=description,
        domain=domain,
        importance=importance,
        difficulty=difficulty,
        baseline_on=baseline_on,
        expected_outcome=expected_outcome,
        created_by=created_by,
    )
    audited(audit, patient)
    return goal


def goal_write(
    *,
    patient: Patient,
    description: str,
    domain: str,
    importance: int = 2,
    difficulty: int = 2,
    baseline_on: dt.date | None = None,
    expected_outcome: str = "",
    created_by: User | None = None,
) -> Goal:
    """``goal_create`` in the caller's transaction, which writes the audit row. A refusal is
    raised before anything is written."""
    description = (description or "").strip()
    if not description:
        raise rule("description", GOAL_SAYS, "empty")
    found = Domain.objects.filter(code=domain).first()
    if found is None:
        raise rule("domain", DOMAIN_RULE, "domain_unknown")
    baseline_on = baseline_on or timezone.localdate()
    date_not_in_future("baseline_on", baseline_on)
    goal = record_save(
        Goal(
            patient=patient,
            description=description,
            domain=found,
            importance=importance,
            difficulty=difficulty,
            baseline_on=baseline_on,
            expected_outcome=(expected_outcome or "").strip(),
            created_by=created_by,
        )
    )
    records_changed.send(sender=None, patient_id=patient.pk)
    return goal


@transaction.atomic
def goal_review_record(
    *,
    goal: Goal,
    attainment: int,
    reviewed_on: dt.date,
    reviewed_by: User | None = None,
    encounter: Encounter | None = None,
    audit: Audit | None = None,
) -> GoalReview:
    """Record how far a goal has been reached, on the −2 … +2 attainment scale."""
    review = goal_review_write(
        goal=goal,
        attainment=attainment,
        reviewed_on=reviewed_on,
        reviewed_by=reviewed_by,
        encounter=encounter,
    )
    audited(audit, goal.patient)
    return review


def goal_review_write(
    *,
    goal: Goal,
    attainment: int,
    reviewed_on: dt.date,
    reviewed_by: User | None = None,
    encounter: Encounter | None = None,
) -> GoalReview:
    """``goal_review_record`` in the caller's transaction, which writes the audit row. A
    refusal is raised before anything is written."""
    date_not_in_future("reviewed_on", reviewed_on)
    if reviewed_on < goal.baseline_on:
        raise rule(
            "reviewed_on",
            _("%(field)s must not be before the goal was set"),
            "review_before_goal",
        )
    review = record_save(
        GoalReview(
            goal=goal,
            attainment=attainment,
            reviewed_on=reviewed_on,
            reviewed_by=reviewed_by,
            encounter=_encounter_of(goal.patient_id, encounter),
        )
    )
    records_changed.send(sender=None, patient_id=goal.patient_id)
    return review


def marker_for_loinc(loinc: str, field: str = "loinc") -> Marker:
    marker = Marker.objects.filter(loinc=str(loinc).strip()).first()
    if marker is None:
        supported = ", ".join(Marker.objects.values_list("loinc", flat=True))
        raise rule(
            "loinc",
            _("loinc %(loinc)s is not a supported marker (%(supported)s)"),
            "marker_unknown",
            key=field,
            loinc=loinc,
            supported=supported,
        )
    return marker


def _decimal(field: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise rule(field, NUMBER, "not_a_number") from None
    if not number.is_finite():
        raise rule(field, NUMBER, "not_a_number")
    return number


@transaction.atomic
def reading_record(
    *,
    patient: Patient,
    loinc: str | Marker,
    value,
    unit: str,
    taken_on: dt.date,
    recorded_by: User | None = None,
    encounter: Encounter | None = None,
    audit: Audit | None = None,
) -> Reading:
    """Record a biomedical reading, in the unit the marker is recorded in (the marker's LOINC
    code, or the marker itself when the caller has read it already)."""
    reading = reading_write(
        patient=patient,
        loinc=loinc,
        value=value,
        unit=unit,
        taken_on=taken_on,
        recorded_by=recorded_by,
        encounter=encounter,
    )
    audited(audit, patient)
    return reading


def reading_write(
    *,
    patient: Patient,
    loinc: str | Marker,
    value,
    unit: str,
    taken_on: dt.date,
    recorded_by: User | None = None,
    encounter: Encounter | None = None,
) -> Reading:
    """``reading_record`` in the caller's transaction, which writes the audit row. A refusal is
    raised before anything is written, with every problem of the reading at once (the unit and
    the value are checked against the marker when the marker is known)."""
    found: dict[str, Any] = {}

    def marker_found() -> None:
        found["marker"] = loinc if isinstance(loinc, Marker) else marker_for_loinc(loinc)

    def unit_fits() -> None:
        marker = found.get("marker")
        if marker is not None and unit not in {marker.unit, marker.display_unit}:
            raise rule(
                "unit",
                _("%(field)s must be %(unit)s for %(marker)s (%(loinc)s)"),
                "unit_wrong",
                unit=marker.unit,
                marker=marker.name,
                loinc=marker.loinc,
            )

    def value_plausible() -> None:
        found["number"] = number = _decimal("value", value)
        marker = found.get("marker")
        if marker is None:  # its range unknown: only whether it is a number can be said
            if number is None:
                raise rule("value", NUMBER, "not_a_number")
            return
        if number is None or not marker.plausible_low <= number <= marker.plausible_high:
            raise rule(
                "value",
                _("%(field)s must be between %(low)s and %(high)s %(unit)s"),
                "reading_out_of_range",
                low=str(marker.plausible_low),
                high=str(marker.plausible_high),
                unit=marker.unit_label,
            )

    refused_together(
        marker_found,
        unit_fits,
        value_plausible,
        lambda: date_not_in_future("taken_on", taken_on),
        lambda: _encounter_of(patient.pk, encounter),
    )
    reading = record_save(
        Reading(
            patient=patient,
            marker=found["marker"],
            value=found["number"].quantize(Decimal("0.01")),
            taken_on=taken_on,
            recorded_by=recorded_by,
            encounter=encounter,
        )
    )
    records_changed.send(sender=None, patient_id=patient.pk)
    return reading


@transaction.atomic
def target_set(
    *,
    patient: Patient,
    loinc: str,
    low=None,
    high=None,
    relevant: bool = True,
    reason: str = "",
    set_by: User | None = None,
    audit: Audit | None = None,
) -> PersonalTarget:
    """Agree a personal range for a marker, or mark the marker not relevant for this person.

    A reason is optional here (the API's contract is low, high and relevant); the clinician's
    forms ask for one when a marker is marked not relevant."""
    target = target_write(
        patient=patient,
        loinc=loinc,
        low=low,
        high=high,
        relevant=relevant,
        reason=reason,
        set_by=set_by,
    )
    audited(audit, patient)
    return target


def target_write(
    *,
    patient: Patient,
    loinc: str | Marker,
    low=None,
    high=None,
    relevant: bool = True,
    reason: str = "",
    set_by: User | None = None,
) -> PersonalTarget:
    """``target_set`` in the caller's transaction, which writes the audit row. A refusal is
    raised before anything is written."""
    marker = loinc if isinstance(loinc, Marker) else marker_for_loinc(loinc)
    low, high = _decimal("low", low), _decimal("high", high)
    if relevant and low is None and high is None:
        raise rule(
            "low",
            _("give low, high or both, or mark the marker not relevant"),
            "target_range_missing",
        )
    target = PersonalTarget.objects.filter(patient=patient, marker=marker).first() or (
        PersonalTarget()
    )
    target.patient, target.marker = patient, marker  # in hand: not read again to check them
    target.low, target.high, target.relevant = low, high, relevant
    target.reason, target.set_by = (reason or "").strip(), set_by
    record_save(target)
    records_changed.send(sender=None, patient_id=patient.pk)
    return target


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    description: str,
    expected_outcome: str = "",
    active: bool = True,
    audit: Audit | None = None,
) -> Goal:
    """Change a goal's wording (still the patient's words) or close it."""
    description = (description or "").strip()
    if not description:
        raise rule("description", GOAL_SAYS, "empty")
    goal.description, goal.expected_outcome = description, (expected_outcome or "").strip()
    goal.active = active
    full_clean(goal).save()
    records_changed.send(sender=None, patient_id=goal.patient_id)
    audited(audit, goal.patient)
    return goal
