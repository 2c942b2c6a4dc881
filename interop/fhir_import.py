"""FHIR R4 (R4B models) import of biomedical readings: an Observation, or a Bundle of them, with
LOINC codes and UCUM units, recorded all together or not at all with every problem named by the
Observation's own field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError as PydanticValidationError

from assessments.models import Marker, Reading
from assessments.services import reading_record
from patients.audit import Audit, audited
from patients.models import Patient, User
from patients.validation import date_not_in_future

from .codes import LOINC, UCUM

IMPORTABLE_STATUSES = ("final", "amended", "corrected")
# A subject naming a patient by id: "Patient/12", or a full address ending so.
PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([^/]+)$")

# Where a rule broken inside reading_record lives in the Observation.
SERVICE_FIELDS = {"loinc": "code", "unit": "valueQuantity", "value": "valueQuantity.value"}


def _path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not (part == "resource" and path.startswith("entry[") and path.endswith("]")):
            path += f".{part}" if path else str(part)
    return path or NON_FIELD_ERRORS


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] in {"missing", "model_field_validation.missing"}:
        return "this field is required"
    if error["type"] == "extra_forbidden":
        return "is not a FHIR R4 element here"
    return error["msg"].removeprefix("Value error, ")


def _validated(model, payload: dict):
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            errors.setdefault(_path(error["loc"]), []).append(_message(error))
        raise ValidationError(errors) from None
    except KeyError:  # fhir.resources' lookup of a resourceType it does not know
        raise ValidationError(
            {NON_FIELD_ERRORS: ["holds a resource whose resourceType FHIR R4 does not define"]}
        ) from None


def _observations_of(payload: dict) -> list[tuple[str, Observation]]:
    kind = payload.get("resourceType") if isinstance(payload, dict) else None
    if kind == "Observation":
        return [("", _validated(Observation, payload))]
    if kind != "Bundle":
        raise ValidationError({"resourceType": ["expected Observation or Bundle"]})
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ValidationError({"entry": ["a Bundle must hold at least one Observation"]})
    errors = {}
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors[f"entry[{i}].resource"] = ["each entry must hold a resource"]
        elif resource.get("resourceType") != "Observation":
            errors[f"entry[{i}].resourceType"] = [
                f"expected Observation, not {resource.get('resourceType')!r}"
            ]
    if errors:
        raise ValidationError(errors)
    bundle = _validated(Bundle, payload)
    return [(f"entry[{i}].", entry.resource) for i, entry in enumerate(bundle.entry)]


def _date_field(observation: Observation) -> str:
    return "effectiveInstant" if observation.effectiveInstant else "effectiveDateTime"


def _taken_on(observation: Observation) -> dt.date:
    """The day of the reading, in the service's time zone, within the dates a reading can have
    (from 1900 to today) and named by the Observation's own field when it is not."""
    field = _date_field(observation)
    when = getattr(observation, field)
    if isinstance(when, dt.datetime):
        day = _local_day(when)
    elif isinstance(when, dt.date):
        day = when
    elif when is None:
        raise ValidationError({field: ["a date is required"]})
    else:
        raise ValidationError({field: [f"a full date (YYYY-MM-DD) is required, not {when}"]})
    date_not_in_future(field, day)
    return day


def _local_day(when: dt.datetime) -> dt.date:
    if not timezone.is_aware(when):
        return when.date()
    try:
        return timezone.localdate(when)
    except OverflowError:
        # Moving the first or last day datetime can hold (0001-01-01T00:00:00+14:00) to this
        # time zone leaves its range: the day as written is as far out of range either way.
        return when.date()


def _marker_of(observation: Observation, markers: dict[str, Marker]) -> Marker:
    codes = [c.code for c in observation.code.coding or [] if c.system == LOINC and c.code]
    if not codes:
        raise ValidationError({"code": [f"a LOINC coding (system {LOINC}) is required"]})
    marker = next((markers[code] for code in codes if code in markers), None)
    if marker is None:
        supported = ", ".join(sorted(markers))
        raise ValidationError(
            {"code": [f"LOINC {codes[0]} is not a supported marker (supported: {supported})"]}
        )
    return marker


def _subject_checked(observation: Observation, patient: Patient) -> None:
    """An Observation about another patient is not filed under this one: a subject naming a
    patient must name the one in the address (a subject left out, or not naming a patient by
    id, is taken to be them)."""
    reference = observation.subject.reference if observation.subject else None
    named = PATIENT_REFERENCE.search(reference or "")
    if named and named.group(1) != str(patient.pk):
        raise ValidationError(
            {"subject": [f"subject must be Patient/{patient.pk}, the patient in the address"]}
        )


def _reading_args(observation: Observation, markers: dict[str, Marker]) -> dict:
    if observation.status not in IMPORTABLE_STATUSES:
        raise ValidationError(
            {"status": [f"status must be final, amended or corrected, not {observation.status}"]}
        )
    marker = _marker_of(observation, markers)
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        raise ValidationError({"valueQuantity": ["a valueQuantity with a value is required"]})
    if quantity.comparator:
        raise ValidationError({"valueQuantity.comparator": ["a bounded value cannot be recorded"]})
    if quantity.code and quantity.system in (None, UCUM):
        unit_ok = quantity.code == marker.unit
    else:
        unit_ok = quantity.unit in {marker.unit, marker.display_unit}
    if not unit_ok:
        raise ValidationError(
            {"valueQuantity": [f"unit must be {marker.unit} for {marker.name} ({marker.loinc})"]}
        )
    return {"loinc": marker.loinc, "value": quantity.value, "unit": marker.unit,
            "taken_on": _taken_on(observation)}  # fmt: skip


def observations_import(
    *, patient: Patient, payload: dict, user: User | None, audit: Audit | None = None
) -> list[Reading]:
    """Record the readings in a FHIR Observation or a Bundle of them: all of them or none."""
    observations = _observations_of(payload)
    markers = {m.loinc: m for m in Marker.objects.all()}
    errors: dict[str, list[str]] = {}
    readings = []
    with transaction.atomic():
        for prefix, observation in observations:
            try:
                _subject_checked(observation, patient)
                args = _reading_args(observation, markers)
                readings.append(reading_record(patient=patient, recorded_by=user, **args))
            except ValidationError as exc:
                fields = {**SERVICE_FIELDS, "taken_on": _date_field(observation)}
                for field, messages in exc.message_dict.items():
                    errors.setdefault(prefix + fields.get(field, field), []).extend(messages)
        if errors:
            raise ValidationError(errors)  # rolls back the readings already recorded
        audited(audit, patient)
    return readings
