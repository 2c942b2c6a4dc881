"""FHIR R4 (R4B models) export of a patient's record, as a collection Bundle.

The export leaves out everything staff-only (encounter notes, context events, agendas). Entries
carry ``urn:uuid`` fullUrls, fresh for each export, and refer to each other by them; each resource
also has a stable ``id`` such as ``encounter-7``. Validated instruments' responses and their
scores are built by ``questionnaires``; the import of readings lives in ``fhir_import`` (and is
re-exported here, as are the code systems of ``codes``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone, translation

from assessments.instrument_selectors import instruments_worded
from assessments.instruments import Instrument
from assessments.models import (
    Goal,
    GoalReview,
    InstrumentResponse,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rater,
    Rating,
    Reading,
)
from indicators.models import PatientSummary
from indicators.scoring import period_bounds
from patients.models import Condition, Encounter, Patient

from .codes import (
    CONDITION_CLINICAL,
    FRAMEWORK,
    GOAL_PRIORITY,
    LOINC,
    OBSERVATION_CATEGORY,
    RATER,
    REFERENCE_RANGE_MEANING,
    SNOMED,
    SUMMARY,
    UCUM,
    V3_ACT_CODE,
)
from .codes import coding as _coding
from .codes import concept as _concept
from .fhir_import import observations_import
from .questionnaires import instrument_response_resources

__all__ = ["FRAMEWORK", "LOINC", "SNOMED", "SUMMARY", "UCUM", "observations_import",
           "patient_everything"]  # fmt: skip

# v3-ActCode: remote contacts are "virtual" (VR), face-to-face and group ones "ambulatory" (AMB).
REMOTE_MODES = {Encounter.Mode.PHONE, Encounter.Mode.VIDEO, Encounter.Mode.MESSAGE}
VITAL_SIGNS_LOINC = {"8480-6", "8462-4", "39156-5", "29463-7"}  # blood pressure, BMI, weight
GOAL_PRIORITIES = {1: "low-priority", 2: "medium-priority", 3: "high-priority"}
SUMMARY_FIGURES = [
    ("index", "index", "Patient-weighted index (0–100)", "score"),
    ("coverage", "coverage", "Coverage of what matters (0–1)", "proportion"),
    ("domain-H", "h_score", "Domain H score (0–100)", "score"),
    ("domain-M", "m_score", "Domain M score (0–100)", "score"),
    ("domain-R", "r_score", "Domain R score (0–100)", "score"),
    ("goal-attainment", "goal_attainment", "Goal attainment T-score", "score"),
]


# --- Export ---------------------------------------------------------------------------------


class _Entries:
    """The bundle's entries, each given a urn:uuid fullUrl that other entries refer to."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.urls: dict[tuple[str, str], str] = {}

    def ref(self, kind: str, id_: str, display: str = "") -> dict:
        url = self.urls.setdefault((kind, id_), f"urn:uuid:{uuid.uuid4()}")
        return {"reference": url, **({"display": display} if display else {})}

    def add(self, resource: dict) -> None:
        url = self.ref(resource["resourceType"], resource["id"])["reference"]
        self.entries.append({"fullUrl": url, "resource": resource})

    def encounter(self, encounter_id: int | None) -> dict:
        """An Observation's ``encounter`` field, or nothing when it was recorded outside one."""
        return (
            {"encounter": self.ref("Encounter", f"encounter-{encounter_id}")}
            if encounter_id
            else {}
        )


def _observation(id_: str, subject: dict, code: dict, **fields) -> dict:
    return {"resourceType": "Observation", "id": id_, "status": "final", "code": code,
            "subject": subject, **fields}  # fmt: skip


def _condition(condition: Condition, subject: dict) -> dict:
    code = condition.code
    resource = {
        "resourceType": "Condition",
        "id": f"condition-{condition.pk}",
        "clinicalStatus": _concept(CONDITION_CLINICAL, "active", "Active"),
        "code": _concept(SNOMED, code.snomed_code, code.display),
        "subject": subject,
    }
    if condition.onset:
        resource["onsetDateTime"] = condition.onset.isoformat()
    if condition.stage is not None:
        scale = code.stage_system or "Stage"
        resource["stage"] = [{"summary": {"text": f"{scale} {condition.stage.normalize():f}"}}]
    return resource


def _english(label: object) -> str:
    """A choice's label as the export has always written it, in English: the models' labels
    follow the reader's language on pages, the FHIR display text does not."""
    with translation.override("en-gb"):
        return str(label)


def _encounter(encounter: Encounter, subject: dict) -> dict:
    start = timezone.localtime(encounter.occurred_at)
    end = start + dt.timedelta(minutes=encounter.duration_minutes)
    remote = encounter.mode in REMOTE_MODES
    return {
        "resourceType": "Encounter",
        "id": f"encounter-{encounter.pk}",
        "status": "finished",
        "class": _coding(V3_ACT_CODE, *(("VR", "virtual") if remote else ("AMB", "ambulatory"))),
        "type": [{"text": _english(Encounter.Mode(encounter.mode).label)}],
        "subject": subject,
        "participant": [{"individual": {"display": str(encounter.clinician)}}],
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "length": {
            "value": encounter.duration_minutes,
            "unit": "min",
            "system": UCUM,
            "code": "min",
        },
    }


def _quantity(value: Decimal, marker: Marker) -> dict:
    return {"value": float(value), "unit": marker.unit_label, "system": UCUM, "code": marker.unit}


def _reading(
    reading: Reading, subject: dict, target: PersonalTarget | None, refs: _Entries
) -> dict:
    marker = reading.marker
    category = "vital-signs" if marker.loinc in VITAL_SIGNS_LOINC else "laboratory"
    fields: dict = {
        "category": [_concept(OBSERVATION_CATEGORY, category)],
        "effectiveDateTime": reading.taken_on.isoformat(),
        "valueQuantity": _quantity(reading.value, marker),
        **refs.encounter(reading.encounter_id),
    }
    if target is not None and target.has_range:
        limits = {"low": target.low, "high": target.high}
        fields["referenceRange"] = [{
            **{k: _quantity(v, marker) for k, v in limits.items() if v is not None},
            "type": _concept(REFERENCE_RANGE_MEANING, "treatment", "Treatment Range"),
            "text": "Personal target agreed with the patient",
        }]  # fmt: skip
    if target is not None and not target.relevant:
        fields["note"] = [{"text": "Marked not relevant for this person: not an outcome for them."}]
    return _observation(
        f"reading-{reading.pk}", subject, _concept(LOINC, marker.loinc, marker.name), **fields
    )


def _element_code(element) -> dict:
    return _concept(FRAMEWORK, element.key, element.label)


def _performer(rating: Rating, patient: Patient, subject: dict) -> dict:
    who = str(rating.entered_by) if rating.entered_by else ""
    if rating.rater == Rater.PATIENT:
        return {**subject, "display": f"{patient.display_name} (patient)"}
    if rating.rater == Rater.PROXY:
        return {"display": f"{who or 'A proxy'}, entering the patient's own answer"}
    return {"display": f"{who or 'A clinician'} (clinician's own view)"}


def _rating(rating: Rating, patient: Patient, subject: dict, refs: _Entries) -> dict:
    fields: dict = {
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "effectiveDateTime": rating.rated_on.isoformat(),
        "performer": [_performer(rating, patient, subject)],
        "method": _concept(RATER, rating.rater, _english(Rater(rating.rater).label)),
        "valueInteger": rating.value,
        **refs.encounter(rating.encounter_id),
    }
    return _observation(f"rating-{rating.pk}", subject, _element_code(rating.element), **fields)


def _summaries(summary: PatientSummary, subject: dict) -> list[dict]:
    first, last = period_bounds(summary.period)
    period = {"start": first.isoformat(), "end": last.isoformat()}
    return [
        _observation(f"summary-{summary.pk}-{code.lower()}", subject,
                     _concept(SUMMARY, code, display), effectivePeriod=period,
                     valueQuantity={"value": float(value), "unit": unit})
        for code, attribute, display, unit in SUMMARY_FIGURES
        if (value := getattr(summary, attribute)) is not None
    ]  # fmt: skip


def _goal(goal: Goal, subject: dict) -> dict:
    resource = {
        "resourceType": "Goal",
        "id": f"goal-{goal.pk}",
        "lifecycleStatus": "active" if goal.active else "completed",
        "category": [_concept(FRAMEWORK, goal.domain_id, goal.domain.name)],
        "priority": _concept(GOAL_PRIORITY, GOAL_PRIORITIES[goal.importance]),
        "description": {"text": goal.description},
        "subject": subject,
        "startDate": goal.baseline_on.isoformat(),
        "expressedBy": subject,
    }
    if goal.expected_outcome:
        resource["target"] = [{
            "measure": _concept(SUMMARY, "gas-attainment", "Goal attainment (GAS)"),
            "detailString": f"As expected (0): {goal.expected_outcome}",
        }]  # fmt: skip
    return resource


def _goal_review(review: GoalReview, subject: dict, refs: _Entries) -> dict:
    return _observation(
        f"goal-review-{review.pk}", subject,
        _concept(SUMMARY, "gas-attainment", "Goal attainment (GAS, −2 to +2)"),
        focus=[refs.ref("Goal", f"goal-{review.goal_id}")],
        effectiveDateTime=review.reviewed_on.isoformat(), valueInteger=review.attainment,
        **refs.encounter(review.encounter_id),
    )  # fmt: skip


def _priority_set(priority_set: PrioritySet, subject: dict) -> dict:
    rater = Rater.PROXY if priority_set.by_proxy else Rater.PATIENT
    return _observation(
        f"priority-set-{priority_set.pk}", subject,
        _concept(SUMMARY, "priority-set", "Priority points over what matters"),
        effectiveDateTime=priority_set.effective_from.isoformat(),
        method=_concept(RATER, rater, _english(Rater(rater).label)),
        component=[{"code": _element_code(p.element), "valueInteger": p.points}
                   for p in priority_set.points.all()],
    )  # fmt: skip


def _instrument_responses(patient: Patient, subject: dict, refs: _Entries) -> None:
    """Each validated instrument's response, with an Observation per score."""
    responses = InstrumentResponse.objects.filter(patient=patient).select_related("entered_by")
    forms: dict[str, Instrument] = {}
    for response in responses.order_by("completed_on", "id"):
        if not forms:
            forms = {form.code: form for form in instruments_worded()}
        form = forms.get(response.instrument)
        if form is None:
            continue  # an instrument the library no longer has cannot be described
        for resource in instrument_response_resources(
            response, form=form, subject=subject, ref=refs.ref,
            encounter=refs.encounter(response.encounter_id),
        ):  # fmt: skip
            refs.add(resource)


def patient_everything(*, patient: Patient) -> dict:
    """A patient's record, without staff-only notes, as a FHIR R4 collection Bundle (JSON dict)."""
    refs = _Entries()
    subject = refs.ref("Patient", str(patient.pk), patient.display_name)
    name, birth = [{"text": patient.display_name}], str(patient.birth_year)
    refs.add({"resourceType": "Patient", "id": str(patient.pk), "name": name, "birthDate": birth})
    for condition in Condition.objects.filter(patient=patient).select_related("code"):
        refs.add(_condition(condition, subject))
    encounters = Encounter.objects.filter(patient=patient).select_related("clinician")
    for encounter in encounters.order_by("occurred_at", "id"):
        refs.add(_encounter(encounter, subject))
    targets = {t.marker_id: t for t in PersonalTarget.objects.filter(patient=patient)}
    readings = Reading.objects.filter(patient=patient).select_related("marker")
    for reading in readings.order_by("taken_on", "id"):
        refs.add(_reading(reading, subject, targets.get(reading.marker_id), refs))
    ratings = Rating.objects.filter(patient=patient).select_related("element", "entered_by")
    for rating in ratings.order_by("rated_on", "id"):
        refs.add(_rating(rating, patient, subject, refs))
    for summary in PatientSummary.objects.filter(patient=patient).order_by("period"):
        for observation in _summaries(summary, subject):
            refs.add(observation)
    goals = (
        Goal.objects.filter(patient=patient)
        .select_related("domain")
        .prefetch_related(Prefetch("reviews", GoalReview.objects.order_by("reviewed_on", "id")))
        .order_by("baseline_on", "id")
    )
    for goal in goals:
        refs.add(_goal(goal, subject))
        for review in goal.reviews.all():
            refs.add(_goal_review(review, subject, refs))
    points = PriorityPoint.objects.select_related("element")
    priority_sets = PrioritySet.objects.filter(patient=patient).prefetch_related(
        Prefetch("points", points)
    )
    for priority_set in priority_sets.order_by("effective_from", "id"):
        refs.add(_priority_set(priority_set, subject))
    _instrument_responses(patient, subject, refs)
    return {
        "resourceType": "Bundle",
        "id": f"patient-{patient.pk}-everything",
        "type": "collection",
        "timestamp": timezone.localtime().isoformat(),
        "entry": refs.entries,
    }
