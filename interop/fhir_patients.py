"""Bringing patients in from a record system as a FHIR R4 transaction Bundle of Patient and
Condition resources: the same rules as a spreadsheet import (``patients.imports``), matched on
the team's local identifier, all or nothing, answered with a transaction-response Bundle.

- Patient: ``identifier`` (the first with a value: the team's local id), ``name`` (its ``text``,
  else given and family names), ``birthDate`` (its year is kept), ``telecom`` (the first email),
  ``communication`` (the first language the site offers, e.g. ``nl`` or ``nl-BE``).
- Condition: ``subject`` refers to a Patient entry of the Bundle by its ``fullUrl``; ``code`` has
  a SNOMED CT coding; ``onsetDateTime`` (a date, month or year) is optional.

Every problem is named by the entry's path (``entry[2].resource.birthDate``) and reported at
once; nothing is saved unless every entry can be.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle

from patients.audit import Actor
from patients.imports import Plan, import_apply, rows_plan
from patients.models import Condition, PatientImport, Team, User
from ssm_outcomes.digits import whole_number
from ssm_outcomes.languages import language_offered

from .codes import SNOMED
from .fhir_import import _validated

# Where each import column lives in a Patient resource.
PATIENT_FIELDS = {
    "display_name": "name",
    "birth_year": "birthDate",
    "local_id": "identifier",
    "email": "telecom",
    "language": "communication",
    "teams": "managingOrganization",
}


def _patient_cells(resource: Any) -> dict[str, str]:
    identifier = next((one.value for one in resource.identifier or [] if one.value), "")
    name = (resource.name or [None])[0]
    display = ""
    if name is not None:
        display = name.text or " ".join([*(name.given or []), name.family or ""]).strip()
    email = next(
        (one.value for one in resource.telecom or [] if one.system == "email" and one.value), ""
    )
    language = ""
    for communication in resource.communication or []:
        for coding in communication.language.coding or []:
            code = (coding.code or "").lower()
            if code and language_offered(code) and not language:
                language = code
    return {
        "display_name": display,
        "birth_year": str(resource.birthDate or "")[:4],
        "local_id": identifier,
        "email": email,
        "language": language,
        "conditions": "",
        "teams": "",
    }


def _conditions_into(
    entries: list[tuple[int, Any]], patients: dict[str, dict[str, str]], errors: dict
) -> dict[int, tuple[str, str]]:
    """Add each Condition to its Patient's cells; returns entry index → (patient url, code)."""
    placed: dict[int, tuple[str, str]] = {}
    for index, resource in entries:
        path = f"entry[{index}].resource"
        reference = resource.subject.reference if resource.subject else ""
        if reference not in patients:
            errors.setdefault(f"{path}.subject", []).append(
                _("must refer to a Patient entry of this Bundle by its fullUrl")
            )
            continue
        codes = [
            coding.code
            for coding in (resource.code.coding if resource.code else None) or []
            if coding.system == SNOMED and coding.code
        ]
        if not codes:
            errors.setdefault(f"{path}.code", []).append(
                _("needs a SNOMED CT coding (system %(system)s)") % {"system": SNOMED}
            )
            continue
        onset = str(resource.onsetDateTime or "")[:10]
        cells = patients[reference]
        item = f"{codes[0]}:{onset}" if onset else codes[0]
        cells["conditions"] = f"{cells['conditions']};{item}" if cells["conditions"] else item
        placed[index] = (reference, codes[0])
    return placed


def _bundle(payload: Any) -> Bundle:
    if not isinstance(payload, dict) or payload.get("resourceType") != "Bundle":
        raise ValidationError({"resourceType": [_("expected a Bundle of type transaction")]})
    if payload.get("type") != "transaction":
        raise ValidationError({"type": [_("must be transaction (all or nothing)")]})
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ValidationError({"entry": [_("a Bundle must hold at least one Patient")]})
    errors = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind not in ("Patient", "Condition"):
            errors[f"entry[{index}].resource.resourceType"] = [
                _("expected Patient or Condition, not %(kind)r") % {"kind": kind}
            ]
    if errors:
        raise ValidationError(errors)
    return _validated(Bundle, payload)


def patients_import(
    *, payload: Any, team: Team, user: User, actor: Actor | None = None
) -> dict[str, Any]:
    """Import the Bundle's patients and conditions into ``team``; the transaction-response."""
    bundle = _bundle(payload)
    errors: dict[str, list[str]] = {}
    patients: dict[str, dict[str, str]] = {}
    patient_entries: dict[str, int] = {}
    conditions: list[tuple[int, Any]] = []
    for index, entry in enumerate(bundle.entry or []):
        resource: Any = entry.resource  # checked above: a Patient or a Condition
        if resource.get_resource_type() == "Condition":
            conditions.append((index, resource))
            continue
        url = entry.fullUrl or f"entry[{index}]"
        if url in patients:
            errors.setdefault(f"entry[{index}].fullUrl", []).append(
                _("is also the fullUrl of entry[%(other)s]") % {"other": patient_entries[url]}
            )
            continue
        patients[url] = _patient_cells(resource)
        patient_entries[url] = index
    if not patients:
        raise ValidationError({"entry": [_("a Bundle must hold at least one Patient")]})
    placed = _conditions_into(conditions, patients, errors)
    raw = [(patient_entries[url], cells) for url, cells in patients.items()]
    plan = rows_plan(
        raw,
        team=team,
        user=user,
        again=_("“%(id)s” is also the identifier of entry[%(line)s]"),
        left=_(
            "“%(id)s” was this team's identifier of a patient who is no longer in the team: this "
            "entry cannot change them or bring them back. Give a new patient an identifier of "
            "their own."
        ),
    )
    for problem in plan.problems:
        field = PATIENT_FIELDS.get(problem.column, problem.column)
        path = f"entry[{problem.line}].resource" + (f".{field}" if field else "")
        if problem.column == "conditions":  # the Condition entries of this patient
            path = f"entry[{problem.line}].resource (its Conditions)"
        errors.setdefault(path, []).append(problem.message)
    if errors:
        raise ValidationError(errors)
    matched = [row.patient_id for row in plan.rows if row.patient_id]
    had = set(
        Condition.objects.filter(patient_id__in=matched).values_list(
            "patient_id", "code__snomed_code"
        )
    )
    with transaction.atomic():
        import_apply(plan, user=user, actor=actor)
        PatientImport.objects.create(
            team=team,
            created_by=user,
            source="fhir",
            state=PatientImport.State.DONE,
            rows=len(plan.rows),
            done_rows=len(plan.rows),
            created=plan.count("create"),
            updated=plan.count("update"),
            unchanged=plan.count("unchanged"),
        )
    return _response(bundle, plan, placed, patient_entries, had)


def _response(
    bundle: Bundle,
    plan: Plan,
    placed: dict[int, tuple[str, str]],
    patient_entries: dict[str, int],
    had: set[tuple[int, str]],
) -> dict[str, Any]:
    """One response entry per request entry, in order: 201 for what was created, 200 for what
    was there already (changed or not)."""
    by_entry = {row.line: row for row in plan.rows}
    condition_ids = {
        (patient_id, code): pk
        for pk, patient_id, code in Condition.objects.filter(
            patient_id__in=[row.patient_id for row in plan.rows]
        ).values_list("pk", "patient_id", "code__snomed_code")
    }
    entries = []
    for index, _entry in enumerate(bundle.entry or []):
        if index in by_entry:
            row = by_entry[index]
            status = "201 Created" if row.action == "create" else "200 OK"
            entries.append(
                {"response": {"status": status, "location": f"Patient/{row.patient_id}"}}
            )
            continue
        url, code = placed[index]
        patient_id = by_entry[patient_entries[url]].patient_id
        status = "200 OK" if (patient_id, code) in had else "201 Created"
        location = f"Condition/{condition_ids[(patient_id, code)]}"
        entries.append({"response": {"status": status, "location": location}})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


def team_for_import(user: User, team_id: str | None, teams) -> Team:
    """The team a FHIR import goes into: the one named by ``?team=`` (an id), or, without
    ``?team``, the caller's only team. An empty ``?team=`` names no team: refused."""
    if team_id is not None:
        pk = whole_number(team_id)
        team = teams.filter(pk=pk).first() if pk is not None else None
        if team is None:
            raise ValidationError({"team": [_("must be the id of one of your teams")]})
        return team
    if teams.count() == 1:
        return teams.get()
    listed = ", ".join(f"{one.pk} {one.name}" for one in teams)
    raise ValidationError(
        {
            NON_FIELD_ERRORS: [
                _("Name the team to import into: ?team=<id> (your teams: %(teams)s)")
                % {"teams": listed or _("none")}
            ]
        }
    )
