"""Catching up, then checking writes, summaries and the audit log against the truth."""

from __future__ import annotations

import math
from collections import Counter

# --- Catching up and checking -----------------------------------------------------------------


def queue_sweep() -> bool:
    from indicators.tasks import sweep_stale_summaries

    try:
        sweep_stale_summaries.delay()
    except Exception:  # the broker is down
        return False
    return True


def all_fresh() -> bool:

    from indicators.models import CaseloadSummary, SummaryState, TeamSummary

    return not (
        SummaryState.objects.stale().exists()
        or TeamSummary.objects.filter(stale=True).exists()
        or CaseloadSummary.objects.filter(stale=True).exists()
    )


def missing_writes(expected: dict[str, dict]) -> tuple[int, int, list[str]]:
    """Writes not found with the values sent, and rows found beyond the writes."""
    from django.apps import apps

    missing, extra, examples = 0, 0, []
    for label, rows in expected.items():
        model = apps.get_model(label)
        everything = model.objects.all()
        if label == "assessments.Element":
            everything = everything.filter(patient__isnull=False)
        for key, lookups in rows.items():
            if isinstance(key, int):  # the row's id
                lookups = {"pk": key, **lookups}
            if not model.objects.filter(**lookups).exists():
                missing += 1
                if len(examples) < 5:
                    examples.append(f"{label} {key}: {lookups}")
        extra += max(0, everything.count() - len(rows))
    return missing, extra, examples


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _stored() -> dict[str, dict]:
    from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
    from indicators.patient_summaries import FIGURE_FIELDS

    fields = [f for f in FIGURE_FIELDS if f != "computed_at"]
    group = ("period", "patients", "figures")
    return {
        "patient": {
            (r[0], r[1]): r[2:]
            for r in PatientSummary.objects.values_list("patient_id", "period", *fields)
        },
        "team": {(r[0], r[1]): r[2:] for r in TeamSummary.objects.values_list("team_id", *group)},
        "caseload": {
            (r[0], r[1]): r[2:] for r in CaseloadSummary.objects.values_list("clinician_id", *group)
        },
    }


def compare_with_rebuild() -> tuple[dict[str, tuple[int, int]], list[str]]:
    """(compared, mismatched) of each kind of stored summary against the nightly rebuild (in a
    transaction rolled back), and a few of the differences."""
    from django.db import transaction

    from indicators.patient_summaries import summaries_rebuild_all

    with transaction.atomic():
        stored = _stored()
        summaries_rebuild_all()
        fresh = _stored()
        transaction.set_rollback(True)
    result, examples = {}, []
    for kind in ("patient", "team", "caseload"):
        mine, theirs = stored[kind], fresh[kind]
        compared = mismatched = 0
        for key in mine.keys() | theirs.keys():
            if kind != "patient" and key not in mine and theirs[key][0] == 0:
                continue  # the rebuild writes every group every quarter, empty ones too
            compared += 1
            if key not in mine or key not in theirs or not _same(mine[key], theirs[key]):
                mismatched += 1
                if mismatched <= 3:
                    difference = f"{kind} {key}: stored {mine.get(key)}, rebuilt {theirs.get(key)}"
                    examples.append(difference[:1000])
        result[kind] = (compared, mismatched)
    return result, examples


def audit_found() -> Counter:
    from patients.models import AuditEvent

    return Counter(AuditEvent.objects.values_list("actor_id", "patient_id", "action"))
