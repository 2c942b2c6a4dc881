"""Reads of stored summaries, shaped as DESIGN.md's public contract."""

from __future__ import annotations

from django.http import Http404

from patients.models import Patient, Team, User

from .models import CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from .scoring import parse_period


def _is_stale(patient_id: int) -> bool:
    state = SummaryState.objects.filter(patient_id=patient_id).values_list("dirty", "clean")
    return any(dirty > clean for dirty, clean in state)


def patient_summary_data(summary: PatientSummary, *, stale: bool) -> dict:
    return {
        "period": summary.period,
        "index": summary.index,
        "coverage": summary.coverage,
        "weights_source": summary.weights_source,
        "domains": {
            code: {
                "score": getattr(summary, f"{code.lower()}_score"),
                "weight": getattr(summary, f"{code.lower()}_weight"),
            }
            for code in ("H", "M", "R")
        },
        "goal_attainment": summary.goal_attainment,
        "markers": {
            "relevant": summary.markers_relevant,
            "with_reading": summary.markers_with_reading,
            "in_target": summary.markers_in_target,
        },
        "change": summary.change,
        "direction": summary.direction or None,
        "perspective_gap": summary.perspective_gap,
        "attribution_caveat": summary.attribution_caveat,
        "context_events": summary.context_events,
        "encounters": summary.encounters,
        "patient_initiated": summary.patient_initiated,
        "stale": stale,
        "computed_at": summary.computed_at,
    }


def summaries_for_patient(*, patient: Patient) -> list[dict]:
    """Every stored quarter of a patient's summaries, oldest first."""
    stale = _is_stale(patient.pk)
    return [
        patient_summary_data(s, stale=stale)
        for s in PatientSummary.objects.filter(patient=patient).order_by("period")
    ]


def summary_for_patient(*, patient: Patient, period: str) -> dict:
    """One quarter of a patient's summary; 404 when there is none for that quarter."""
    try:
        summary = PatientSummary.objects.get(patient=patient, period=parse_period(period))
    except (PatientSummary.DoesNotExist, ValueError):
        raise Http404("No summary for that period") from None
    return patient_summary_data(summary, stale=_is_stale(patient.pk))


def group_summary_data(summary: TeamSummary | CaseloadSummary) -> dict:
    return {
        "period": summary.period,
        **summary.figures,
        "stale": summary.stale,
        "computed_at": summary.computed_at,
    }


def team_summary(*, team: Team, period: str) -> dict:
    """A team's stored summary for one quarter; 404 when there is none."""
    try:
        summary = TeamSummary.objects.get(team=team, period=parse_period(period))
    except (TeamSummary.DoesNotExist, ValueError):
        raise Http404("No summary for that period") from None
    return {"team": team.pk, **group_summary_data(summary)}


def team_summaries(*, team: Team, periods: list[str]) -> dict[str, dict]:
    """A team's stored summaries for several quarters, keyed by period (one query)."""
    return {
        s.period: group_summary_data(s)
        for s in TeamSummary.objects.filter(team=team, period__in=periods)
    }


def caseload_summaries(*, clinician: User, periods: list[str]) -> dict[str, dict]:
    return {
        s.period: group_summary_data(s)
        for s in CaseloadSummary.objects.filter(clinician=clinician, period__in=periods)
    }
