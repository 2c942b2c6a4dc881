"""Service dashboards and the clinician's own caseload summary, read from stored summaries.

Each page glues a request to the view-model: who may see what and the stored summaries come from
``indicators.selectors``, the figures as shown from ``indicators.dashboard`` and the charts from
``indicators.dashboard_charts``. The template context's ``figures`` is the chosen quarter's
figures as shown (``dashboard.quarter_figures``); ``stored_figures`` is the raw stored dict.

Every page reads stored team or caseload summaries only, never patients' records, so its query
count stays the same whatever the team's size, and nothing on it can identify a patient.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from patients.audit import audit_record
from patients.models import Membership

from . import exports
from .comparison_page import comparison_page_context
from .comparisons import comparison_for_user, comparison_teams_for_user
from .dashboard import (
    FRAGMENT_SECONDS,
    figures_key,
    figures_over,
    priorities_shown,
    quarter_chosen,
    quarter_figures,
    trend_window,
)
from .dashboard_charts import context_declines_trend, overview_trends, priority_charts
from .instrument_dashboard import INDICATIVE_NOTE, instruments_shown
from .selectors import (
    caseload_stored_figures,
    dashboard_team_for_user,
    dashboard_teams_for_user,
    domain_names,
    element_names,
    team_caseloads,
    team_stored_figures,
    team_stored_quarters,
)

# --- Access ------------------------------------------------------------------------------------


def _not_for_patients(request) -> None:
    if request.user.is_patient:
        raise PermissionDenied(_("Dashboards are for staff"))


def _comparison_readers_only(request) -> None:
    """The comparison of teams is for managers and network leads of at least one team."""
    _not_for_patients(request)
    if not comparison_teams_for_user(user=request.user).exists():
        raise PermissionDenied(_("The comparison of teams is for managers and network leads"))


def _team_context(request, team_id: int, *, every_quarter: bool = False) -> dict:
    """The team, the user's role in it, its stored quarters and the quarter asked for. The
    figures of the quarter shown only, unless the page shows ``every_quarter``'s."""
    team, role = dashboard_team_for_user(user=request.user, team_id=team_id)
    asked = request.GET.get("period")
    if every_quarter:
        stored = team_stored_figures(team=team)
    else:
        # A quarter not stored (or not a quarter) reads no figures: quarter_chosen answers 404.
        stored = team_stored_quarters(team=team, shown=asked or None)
    periods = list(stored)
    period = quarter_chosen(periods, asked)
    summary = stored.get(period) if period else None
    return {
        "team": team,
        "is_manager": role == Membership.Role.MANAGER,
        "stored": stored,
        "periods": periods[::-1],
        "period": period,
        "summary": summary,
        "stored_figures": summary.figures if summary else None,
    }


# --- Pages -------------------------------------------------------------------------------------


@require_safe
@login_required
def dashboard_index(request):
    """The teams whose dashboards the user may open, and the clinician's own caseload."""
    _not_for_patients(request)
    teams = list(dashboard_teams_for_user(user=request.user))
    can_compare = comparison_teams_for_user(user=request.user).exists()
    return render(request, "dashboards/index.html", {"teams": teams, "can_compare": can_compare})


@require_safe
@login_required
def team_overview(request, team_id: int):
    """One quarter of a team: the patient-weighted index first, every other strand beside it."""
    context = _team_context(request, team_id)
    names = domain_names()
    context["figures"] = quarter_figures(context["stored_figures"], names)
    context["figures_key"] = figures_key(
        context["stored_figures"], names, context["team"].pk, context["period"]
    )
    context["fragment_seconds"] = FRAGMENT_SECONDS
    context["page"] = "overview"
    return render(request, "dashboards/overview.html", context)


@require_safe
@login_required
def team_trends(request, team_id: int):
    """The last eight quarters of each figure, as charts with tables beside them."""
    context = _team_context(request, team_id, every_quarter=True)
    if context["period"]:
        quarters = trend_window(context["period"])
        stored, names = context["stored"], domain_names()
        context["quarters"] = quarters
        # Drawn only when the block is not kept already (figures_key covers what it shows).
        context["trends"] = SimpleLazyObject(lambda: overview_trends(stored, quarters, names))
        context["figures_key"] = figures_key(
            figures_over(stored, quarters),
            names,
            context["team"].pk,
            *quarters,
        )
        context["fragment_seconds"] = FRAGMENT_SECONDS
    context["page"] = "trends"
    return render(request, "dashboards/trends.html", context)


@require_safe
@login_required
def team_what_matters(request, team_id: int):
    """How the team's patients share out their priorities, and the personal items they share."""
    context = _team_context(request, team_id)
    stored_figures = context["stored_figures"]
    shown = priorities_shown(stored_figures, domain_names(), element_names())
    computed = "priorities" in (stored_figures or {})  # summaries stored before it existed
    context.update(priorities=shown, priorities_computed=computed, page="what-matters")
    if shown:
        context.update(priority_charts(shown, context["period"]))
    return render(request, "dashboards/what_matters.html", context)


@require_safe
@login_required
def team_context(request, team_id: int):
    """The context events of a quarter, next to the declines they may explain."""
    context = _team_context(request, team_id, every_quarter=True)
    context["figures"] = quarter_figures(context["stored_figures"], domain_names())
    context["page"] = "context"
    if context["period"]:
        quarters = trend_window(context["period"])
        context["trend"] = context_declines_trend(context["stored"], quarters)
    return render(request, "dashboards/context.html", context)


@require_safe
@login_required
def team_instruments(request, team_id: int):
    """The validated instruments the team offers or its patients answered: one plain table each,
    beside the patient-weighted index and never part of it."""
    context = _team_context(request, team_id)
    context["instruments"] = instruments_shown(context["stored_figures"])
    context["indicative_note"] = INDICATIVE_NOTE
    context["page"] = "instruments"
    return render(request, "dashboards/instruments.html", context)


@require_safe
@login_required
def team_caseloads_page(request, team_id: int):
    """Each clinician's caseload for supervision: alphabetical, neutral, never a ranking."""
    context = _team_context(request, team_id)
    if not context["is_manager"]:
        raise PermissionDenied(_("Colleagues' caseloads are for the team's managers"))
    names = domain_names()
    if context["period"]:
        context["caseloads"] = [
            (clinician, quarter_figures(s.figures if s else None, names), s)
            for clinician, s in team_caseloads(team=context["team"], period=context["period"])
        ]
    context["page"] = "caseloads"
    return render(request, "dashboards/caseloads.html", context)


@require_safe
@login_required
def team_export(request, team_id: int):
    """The aggregates of the dashboards as CSV, for the service's reports; audited."""
    context = _team_context(request, team_id, every_quarter=True)
    team, period = context["team"], context["period"]
    if period is None:
        raise Http404(_("No summary to export yet"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="team-{team.pk}-{period}.csv"'
    with translation.override("en-gb"):  # the CSV is a public contract: always in English
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
def comparison_page(request):
    """The fair comparison of the user's teams as a funnel plot, one figure at a time, with the
    table beside it (managers and network leads; a manager of one team sees one point)."""
    _comparison_readers_only(request)
    context = comparison_page_context(
        user=request.user, period=request.GET.get("period"), figure=request.GET.get("figure")
    )
    context.update(page="comparison", can_compare=True)
    return render(request, "dashboards/comparison.html", context)


@require_safe
@login_required
def comparison_export(request, period: str):
    """The fair comparison of the user's teams in a quarter as CSV (managers and network leads);
    audited."""
    _comparison_readers_only(request)
    try:
        comparison = comparison_for_user(user=request.user, period=period)
    except ValueError:
        raise Http404(_("No comparison for that quarter")) from None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="comparison-{period}.csv"'
    exports.comparison_csv(response, comparison)
    audit_record(
        request=request, patient=None, action="export", what=f"team comparison CSV {period}"
    )
    return response


@require_safe
@login_required
def my_caseload(request):
    """The signed-in clinician's own caseload summary, for reflection; no colleague's figures."""
    if not request.user.is_clinician:
        raise PermissionDenied(_("My caseload is for clinicians"))
    stored = caseload_stored_figures(clinician=request.user)
    periods = list(stored)
    period = quarter_chosen(periods, request.GET.get("period"))
    summary = stored.get(period) if period else None
    names = domain_names()
    context = {
        "periods": periods[::-1],
        "period": period,
        "summary": summary,
        "figures": quarter_figures(summary.figures if summary else None, names),
        "figures_key": figures_key(summary.figures if summary else None, names, period),
        "fragment_seconds": FRAGMENT_SECONDS,
    }
    if period:
        quarters = trend_window(period)
        context["quarters"] = quarters
        # Drawn only when the block is not kept already (trends_key covers what it shows).
        context["trends"] = SimpleLazyObject(lambda: overview_trends(stored, quarters, names))
        context["trends_key"] = figures_key(figures_over(stored, quarters), names, *quarters)
    return render(request, "dashboards/my_caseload.html", context)
