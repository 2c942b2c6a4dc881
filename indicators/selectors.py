"""Reads of stored summaries: a patient's quarters and a team's in the API's shape (the public
contract of docs/api-contract.md, "Summaries and exports"), staleness, and for the dashboards who
may open a team's, its stored quarters, its clinicians' caseloads and the names of domains and
elements. Shaping figures for display is ``indicators.dashboard``."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext

from assessments.models import Domain, Element
from patients.models import Membership, Patient, Team, User
from patients.selectors import team_role_for_user, teams_for_user

from .figures import DOMAINS, PERSONAL
from .models import CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from .scoring import FRAMEWORK_CODES, parse_period


def summaries_are_stale(*, patient_id: int) -> bool:
    """Whether a patient's stored summaries lag behind their records (one query)."""
    return SummaryState.objects.stale().filter(patient_id=patient_id).exists()


def context_events_shown(events: list[dict], *, to_patient: bool) -> list[dict]:
    """A summary's context events as one reader may receive them: a patient never receives an
    event their team has not shared with them. A stored
    event without the flag predates it and counts as not shared until the summary is rebuilt."""
    shown = [
        {
            "kind": e["kind"],
            "occurred_on": e["occurred_on"],
            "visible_to_patient": e.get("visible_to_patient", False),
        }
        for e in events
    ]
    return [e for e in shown if e["visible_to_patient"]] if to_patient else shown


def patient_summary_data(summary: PatientSummary, *, stale: bool, to_patient: bool) -> dict:
    """A stored summary in the API's shape; ``to_patient`` when the reader is the patient, who
    is told of the events shared with them only: the caveat too rests on those alone, or an
    event kept from them would show through it."""
    events = context_events_shown(summary.context_events, to_patient=to_patient)
    caveat = bool(events) if to_patient else summary.attribution_caveat
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
        "attribution_caveat": caveat,
        "context_events": events,
        "encounters": summary.encounters,
        "patient_initiated": summary.patient_initiated,
        "instruments": summary.instruments,
        "stale": stale,
        "computed_at": summary.computed_at,
    }


def summaries_for_patient(*, patient: Patient, to_patient: bool) -> list[dict]:
    """Every stored quarter of a patient's summaries, oldest first; ``to_patient`` when the
    patient is the reader."""
    stale = summaries_are_stale(patient_id=patient.pk)
    return [
        patient_summary_data(s, stale=stale, to_patient=to_patient)
        for s in PatientSummary.objects.filter(patient=patient).order_by("period")
    ]


def summary_for_patient(*, patient: Patient, period: str, to_patient: bool) -> dict:
    """One quarter of a patient's summary; 404 when there is none for that quarter."""
    try:
        summary = PatientSummary.objects.get(patient=patient, period=parse_period(period))
    except (PatientSummary.DoesNotExist, ValueError):
        raise Http404("No summary for that period") from None
    return patient_summary_data(
        summary, stale=summaries_are_stale(patient_id=patient.pk), to_patient=to_patient
    )


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


def caseload_summaries(*, clinician: User, periods: list[str]) -> dict[str, dict]:
    return {
        s.period: group_summary_data(s)
        for s in CaseloadSummary.objects.filter(clinician=clinician, period__in=periods)
    }


# --- Dashboards: who may see a team's, and its figures as pages and exports show them ----------

DASHBOARD_ROLES = (
    Membership.Role.MANAGER,
    Membership.Role.NETWORK_LEAD,
    Membership.Role.CLINICIAN,
)


def staff_teams_for_user(*, user: User) -> QuerySet[Team]:
    """Teams where the user is a manager, a network lead or a clinician
    (``patients.selectors.teams_for_user``)."""
    return teams_for_user(user=user, roles=DASHBOARD_ROLES)


def dashboard_teams_for_user(*, user: User) -> QuerySet[Team]:
    """Teams whose dashboards the user may open: where they are a manager, a network lead or a
    clinician."""
    if not user.is_authenticated or user.is_patient:
        return Team.objects.none()
    return staff_teams_for_user(user=user)


def dashboard_team_for_user(*, user: User, team_id: int) -> tuple[Team, str]:
    """The team and the user's role in it; 404 for anyone else, so no team's existence leaks.
    One query."""
    team, role = None, None
    if user.is_authenticated and not user.is_patient:
        team, role = team_role_for_user(user=user, team_id=team_id, roles=DASHBOARD_ROLES)
    if team is None or role is None:
        raise Http404("No team found")
    return team, role


def team_stored_figures(*, team: Team) -> dict[str, TeamSummary]:
    """Every stored quarter of a team's summary, keyed by period, oldest first (one query)."""
    return {s.period: s for s in TeamSummary.objects.filter(team=team).order_by("period")}


def team_stored_quarters(*, team: Team, shown: str | None) -> dict[str, TeamSummary]:
    """Every stored quarter of a team's summary, keyed by period, oldest first, as
    ``team_stored_figures`` but with the figures of one quarter only: ``shown``, or the latest
    when it is None. The others' ``figures`` are None, unread. One query, for a page about one
    quarter: reading and decoding every quarter's figures was a sixth of a dashboard's work."""
    columns = [
        connection.ops.quote_name(field.column)
        for field in TeamSummary._meta.concrete_fields
        if field.name != "figures" and field.column
    ]
    table = connection.ops.quote_name(TeamSummary._meta.db_table)
    summaries = TeamSummary.objects.raw(
        f"SELECT {', '.join(columns)}, "  # noqa: S608 - names only; values bound
        "CASE WHEN period = COALESCE(%s, MAX(period) OVER ()) THEN figures END AS figures "
        f"FROM {table} WHERE team_id = %s ORDER BY period",
        [shown, team.pk],
    )
    return {s.period: s for s in summaries}


def caseload_stored_figures(*, clinician: User) -> dict[str, CaseloadSummary]:
    """Every stored quarter of a clinician's caseload summary, keyed by period (one query)."""
    return {
        s.period: s for s in CaseloadSummary.objects.filter(clinician=clinician).order_by("period")
    }


def team_caseloads(*, team: Team, period: str) -> list[tuple[User, CaseloadSummary | None]]:
    """The team's clinicians in alphabetical order of name, each with their caseload summary.

    Alphabetical on purpose: caseloads are for reflection and supervision, never a league table.
    """
    clinicians = list(
        User.objects.filter(
            memberships__team=team, memberships__role=Membership.Role.CLINICIAN
        ).distinct()
    )
    summaries = {
        s.clinician_id: s
        for s in CaseloadSummary.objects.filter(clinician__in=clinicians, period=period)
    }
    clinicians.sort(key=lambda u: (str(u).casefold(), u.pk))
    return [(u, summaries.get(u.pk)) for u in clinicians]


def domain_names() -> dict[str, str]:
    names = dict(Domain.objects.values_list("code", "name"))
    return {code: names.get(code, code) for code in DOMAINS}


def element_names() -> dict[str, str]:
    """Framework codes to their wording, plus the line for personal items (one query)."""
    names = dict(Element.objects.framework().values_list("code", "label"))
    names = {code: names.get(code, code) for code in FRAMEWORK_CODES}
    names[PERSONAL] = gettext("Personal items (in the patient's own words)")
    return names
