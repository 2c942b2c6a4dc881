"""Service dashboards and the clinician's own caseload summary, read from stored summaries.

Every page reads stored team or caseload summaries only, never patients' records, so its query
count stays the same whatever the team's size, and nothing on it can identify a patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from patients.audit import audit_record
from patients.models import Membership

from . import exports
from .charts import Series, bar_chart, line_chart
from .figures import NO_EARLIER_QUARTER, PROTECTS_SMALLER
from .selectors import (
    CONTEXT,
    COVERAGE,
    DECLINED,
    DIRECTIONS,
    GOALS,
    IMPROVED,
    INDEX,
    MARKERS,
    OWN_PRIORITIES,
    PATIENT_INITIATED,
    PATIENTS,
    STABLE,
    Figure,
    FigureSpec,
    caseload_stored_figures,
    context_shown,
    dashboard_team_for_user,
    dashboard_teams_for_user,
    domain_names,
    domain_specs,
    element_names,
    figure_of,
    format_count,
    format_index,
    format_share,
    format_t_score,
    priorities_shown,
    quarter_chosen,
    team_caseloads,
    team_stored_figures,
    trend_window,
)


@dataclass(frozen=True)
class Trend:
    """One chart over the last quarters and the table of the same figures beside it."""

    chart_id: str
    title: str
    about: str
    svg: str
    headers: list[str]
    rows: list[list[str]]


# --- Access ------------------------------------------------------------------------------------


def _not_for_patients(request) -> None:
    if request.user.is_patient:
        raise PermissionDenied("Dashboards are for staff")


def _team_context(request, team_id: int) -> dict:
    """The team, the user's role in it, its stored quarters and the quarter asked for."""
    team, role = dashboard_team_for_user(user=request.user, team_id=team_id)
    stored = team_stored_figures(team=team)
    periods = list(stored)
    period = quarter_chosen(periods, request.GET.get("period"))
    summary = stored.get(period) if period else None
    return {
        "team": team,
        "is_manager": role == Membership.Role.MANAGER,
        "stored": stored,
        "periods": periods[::-1],
        "period": period,
        "summary": summary,
        "figures": summary.figures if summary else None,
    }


# --- Shaping for templates -----------------------------------------------------------------------


def _quarter_figures(figures: dict | None, names: dict[str, str]) -> dict:
    """The figures of one quarter, by name, for the overview and the caseload page."""

    def read(spec: FigureSpec) -> Figure:
        return figure_of(figures, spec)

    return {
        "index": read(INDEX),
        "coverage": read(COVERAGE),
        "patients": read(PATIENTS),
        "own_priorities": read(OWN_PRIORITIES),
        "domains": [read(spec) for spec in domain_specs(names)],
        "directions": [read(spec) for spec in DIRECTIONS],
        "declined": read(DECLINED),
        "context": read(CONTEXT),
        "goals": read(GOALS),
        "patient_initiated": read(PATIENT_INITIATED),
        "markers": read(MARKERS),
        "context_detail": context_shown(figures),
    }


def _ticks(top: float) -> tuple[float, list[float]]:
    """A round axis maximum at or above ``top`` and four or five ticks up to it."""
    if top <= 0:
        return 5.0, [0.0, 5.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step)
    return step * count, [step * i for i in range(count + 1)]


def _num_tick(value: float) -> str:
    return f"{value:g}"


def _trend(
    chart_id: str,
    title: str,
    about: str,
    quarters: list[str],
    series: list[tuple[str, list[Figure]]],
    *,
    band: bool = False,
) -> Trend:
    """A chart of one or more figures over the quarters, and its table."""
    scale = series[0][1][0].spec.scale
    values = [[f.value for f in figs] for _, figs in series]
    if scale == "share":
        y_max, ticks, fmt = 1.0, [0.0, 0.25, 0.5, 0.75, 1.0], format_share
    elif scale == "index":
        y_max, ticks, fmt = 100.0, [0.0, 25.0, 50.0, 75.0, 100.0], format_index
    elif scale == "score":
        y_max, ticks, fmt = 80.0, [20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0], format_t_score
    else:
        shown = [v for vs in values for v in vs if v is not None]
        y_max, ticks = _ticks(max(shown, default=0))
        fmt = format_count
    y_min = 20.0 if scale == "score" else 0.0
    chart_series = [
        Series(
            name,
            [f.value for f in figs],
            low=[f.q1 for f in figs] if band else None,
            high=[f.q3 for f in figs] if band else None,
            not_shown=[f"not shown ({f.explained})" for f in figs],
        )
        for name, figs in series
    ]
    summary = (
        f"{title}, {quarters[0]} to {quarters[-1]}. Quarters where a figure is not shown are "
        "left out of the line."
    )
    svg = line_chart(
        chart_id=chart_id,
        title=title,
        summary=summary,
        x_labels=quarters,
        series=chart_series,
        y_min=y_min,
        y_max=y_max,
        y_ticks=ticks,
        fmt=fmt,
        tick_fmt=format_share if scale == "share" else _num_tick,
    )
    headers = ["Quarter"]
    for name, _ in series:
        headers.append(f"{name} (median)" if band else name)
        if band:
            headers.append("Middle half")
    rows = []
    for i, quarter in enumerate(quarters):
        cells = [quarter]
        for _, figs in series:
            cells.append(figs[i].text)
            if band:
                cells.append(figs[i].range_text)
        rows.append(cells)
    return Trend(chart_id, title, about, mark_safe(svg), headers, rows)  # noqa: S308 — built and escaped by charts


def _trends(stored: dict, quarters: list[str], names: dict[str, str]) -> list[Trend]:
    """The charts of the trends page: each figure of the overview over the last quarters."""
    per_quarter = [stored[q].figures if q in stored else None for q in quarters]

    def over(spec: FigureSpec) -> list[Figure]:
        return [figure_of(figures, spec) for figures in per_quarter]

    domains = domain_specs(names)
    return [
        _trend(
            "trend-index", INDEX.label, INDEX.about, quarters, [("Index", over(INDEX))], band=True
        ),
        _trend(
            "trend-coverage",
            COVERAGE.label,
            COVERAGE.about,
            quarters,
            [("Coverage", over(COVERAGE))],
            band=True,
        ),
        _trend(
            "trend-domains",
            "Domains",
            "The index within each domain of the success framework (medians).",
            quarters,
            [(spec.label, over(spec)) for spec in domains],
        ),
        _trend(
            "trend-change",
            "Improved, stable and declined",
            "Patients whose index moved by 10 points or more since the quarter before, next to "
            "those whose index held. Read declines with the context events of the same quarter.",
            quarters,
            [(spec.label, over(spec)) for spec in DIRECTIONS],
        ),
        _trend(
            "trend-context",
            CONTEXT.label,
            CONTEXT.about,
            quarters,
            [(CONTEXT.label, over(CONTEXT))],
        ),
        _trend("trend-goals", GOALS.label, GOALS.about, quarters, [(GOALS.label, over(GOALS))]),
        _trend(
            "trend-access",
            PATIENT_INITIATED.label,
            PATIENT_INITIATED.about,
            quarters,
            [(PATIENT_INITIATED.label, over(PATIENT_INITIATED))],
        ),
        _trend(
            "trend-markers",
            MARKERS.label,
            MARKERS.about,
            quarters,
            [(MARKERS.label, over(MARKERS))],
        ),
        _trend(
            "trend-patients",
            "Patients counted",
            "Patients with any record in the quarter, and those who set their own priorities.",
            quarters,
            [(PATIENTS.label, over(PATIENTS)), (OWN_PRIORITIES.label, over(OWN_PRIORITIES))],
        ),
    ]


# --- Pages -------------------------------------------------------------------------------------


@require_safe
@login_required
def dashboard_index(request):
    """The teams whose dashboards the user may open, and the clinician's own caseload."""
    _not_for_patients(request)
    teams = list(dashboard_teams_for_user(user=request.user))
    return render(request, "dashboards/index.html", {"teams": teams})


@require_safe
@login_required
def team_overview(request, team_id: int):
    """One quarter of a team: the patient-weighted index first, every other strand beside it."""
    context = _team_context(request, team_id)
    context["f"] = _quarter_figures(context["figures"], domain_names())
    context["page"] = "overview"
    return render(request, "dashboards/overview.html", context)


@require_safe
@login_required
def team_trends(request, team_id: int):
    """The last eight quarters of each figure, as charts with tables beside them."""
    context = _team_context(request, team_id)
    if context["period"]:
        quarters = trend_window(context["period"])
        context["quarters"] = quarters
        context["trends"] = _trends(context["stored"], quarters, domain_names())
    context["page"] = "trends"
    return render(request, "dashboards/trends.html", context)


@require_safe
@login_required
def team_what_matters(request, team_id: int):
    """How the team's patients share out their priorities, and the personal items they share."""
    context = _team_context(request, team_id)
    names = domain_names()
    shown = priorities_shown(context["figures"], names, element_names())
    computed = "priorities" in (context["figures"] or {})  # summaries stored before it existed
    context.update(priorities=shown, priorities_computed=computed, page="what-matters")
    if shown:
        context["domain_chart"] = mark_safe(  # noqa: S308 — built and escaped by charts
            bar_chart(
                chart_id="chart-domains",
                title="Share of patients' points by domain",
                summary=f"Mean share of their own points that patients gave to each domain, "
                f"{context['period']}.",
                bars=[(s.label, s.mean_share) for s in shown["domains"]],
                x_max=1.0,
                fmt=format_share,
            )
        )
        context["element_chart"] = mark_safe(  # noqa: S308 — built and escaped by charts
            bar_chart(
                chart_id="chart-elements",
                title="Share of patients' points by element",
                summary=f"Mean share of their own points that patients gave to each element, "
                f"{context['period']}.",
                bars=[(s.label, s.mean_share) for s in shown["elements"]],
                x_max=max([s.mean_share or 0 for s in shown["elements"]] + [0.1]),
                fmt=format_share,
            )
        )
    return render(request, "dashboards/what_matters.html", context)


@require_safe
@login_required
def team_context(request, team_id: int):
    """The context events of a quarter, next to the declines they may explain."""
    context = _team_context(request, team_id)
    context["f"] = _quarter_figures(context["figures"], domain_names())
    context["page"] = "context"
    if context["period"]:
        quarters = trend_window(context["period"])
        per_quarter = [context["stored"].get(q) for q in quarters]
        shares = [figure_of(s.figures if s else None, CONTEXT) for s in per_quarter]
        declined = [_declined_share(s.figures if s else None) for s in per_quarter]
        context["trend"] = _trend(
            "trend-context-declines",
            "Context events and declines",
            "The share of patients with a context event beside the share of patients whose index "
            "declined, quarter by quarter.",
            quarters,
            [(CONTEXT.label, shares), ("Patients whose index declined", declined)],
        )
    return render(request, "dashboards/context.html", context)


DECLINED_SHARE = FigureSpec(
    "declined_share",
    "Patients whose index declined",
    "share",
    "Declined, out of the patients with an index this quarter and the one before.",
)


def _declined_share(figures: dict | None) -> Figure:
    """Declines as a share of the patients with a direction; hidden when any count is hidden,
    for the declines' own reason, or else because the share would give the hidden count back."""
    counts = [figure_of(figures, spec) for spec in (IMPROVED, STABLE, DECLINED)]
    if figures is None:
        return Figure(DECLINED_SHARE, None, missing=True)
    hidden = [c for c in counts if c.value is None]
    if hidden:
        reason = counts[2].reason if counts[2].value is None else PROTECTS_SMALLER
        return Figure(DECLINED_SHARE, None, suppressed=True, reason=reason)
    total = sum(c.value for c in counts)
    if not total:
        return Figure(DECLINED_SHARE, None, suppressed=True, reason=NO_EARLIER_QUARTER)
    return Figure(DECLINED_SHARE, counts[2].value / total)


@require_safe
@login_required
def team_caseloads_page(request, team_id: int):
    """Each clinician's caseload for supervision: alphabetical, neutral, never a ranking."""
    context = _team_context(request, team_id)
    if not context["is_manager"]:
        raise PermissionDenied("Colleagues' caseloads are for the team's managers")
    names = domain_names()
    if context["period"]:
        context["caseloads"] = [
            (clinician, _quarter_figures(s.figures if s else None, names), s)
            for clinician, s in team_caseloads(team=context["team"], period=context["period"])
        ]
    context["page"] = "caseloads"
    return render(request, "dashboards/caseloads.html", context)


@require_safe
@login_required
def team_export(request, team_id: int):
    """The aggregates of the dashboards as CSV, for the service's reports; audited."""
    context = _team_context(request, team_id)
    team, period = context["team"], context["period"]
    if period is None:
        raise Http404("No summary to export yet")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="team-{team.pk}-{period}.csv"'
    exports.team_dashboard_csv(
        response,
        team=team,
        stored=context["stored"],
        quarters=trend_window(period),
        names=domain_names(),
        elements=element_names(),
    )
    audit_record(
        request=request, patient=None, action="export", what=f"team dashboard CSV {team} {period}"
    )
    return response


@require_safe
@login_required
def my_caseload(request):
    """The signed-in clinician's own caseload summary, for reflection; no colleague's figures."""
    if not request.user.is_clinician:
        raise PermissionDenied("My caseload is for clinicians")
    stored = caseload_stored_figures(clinician=request.user)
    periods = list(stored)
    period = quarter_chosen(periods, request.GET.get("period"))
    summary = stored.get(period) if period else None
    names = domain_names()
    context = {
        "periods": periods[::-1],
        "period": period,
        "summary": summary,
        "f": _quarter_figures(summary.figures if summary else None, names),
    }
    if period:
        context["quarters"] = trend_window(period)
        context["trends"] = _trends(stored, context["quarters"], names)
    return render(request, "dashboards/my_caseload.html", context)
