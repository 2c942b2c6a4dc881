"""The team comparison page: one quarter's stored comparison, one figure at a time, in words.

``comparison_page_context`` reads the stored run (``indicators.comparisons.comparison_for_user``)
and gives the page its teams (alphabetical, never ranked), each team's position and caveats in
the page's language, the method in a sentence and the funnel plot of the chosen figure
(``indicators.dashboard_charts.funnel_chart``). Teams under the small-number rule are listed as
not shown and never plotted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from patients.models import User

from . import comparison as stats
from .comparisons import FEW_PATIENTS, FIGURES, comparison_for_user
from .dashboard import FORMATS, in_page_language
from .dashboard_charts import FunnelPoint, funnel_chart
from .models import ComparisonRun, TeamComparison
from .scoring import parse_period
from .small_numbers import SMALL_NUMBER

__all__ = ["POSITION_WORDS", "comparison_page_context", "comparison_periods_stored"]

# The stored position (English, as the API and the CSV give it, with the 95 % limits too) as the
# page says it, in its language: only within the expected range, or above or below the 99.8 %
# limit. A team between the 95 % and 99.8 % limits is within the range the page speaks of: one
# team in twenty lies there by chance alone, and naming it would invite a judgement the figures
# do not support.
POSITION_WORDS = {
    stats.WITHIN: gettext_lazy("within the expected range"),
    stats.ABOVE_95: gettext_lazy("within the expected range"),
    stats.BELOW_95: gettext_lazy("within the expected range"),
    stats.ABOVE_998: gettext_lazy("above the 99.8 % limit"),
    stats.BELOW_998: gettext_lazy("below the 99.8 % limit"),
}


@dataclass(frozen=True)
class TeamRow:
    """One team in the table beside the funnel: figures as shown, position and caveats in words."""

    name: str
    shown: bool
    n: str
    observed: str
    expected: str
    adjusted: str
    position: str
    caveats: list[str]


def comparison_periods_stored() -> list[str]:
    """The quarters with a stored comparison run, newest first."""
    return list(ComparisonRun.objects.order_by("-period").values_list("period", flat=True))


def _figure_format(figure: str):
    """How a figure's values are written: index points for the mean change, else a share."""
    if FIGURES[figure] == stats.MEAN:
        return lambda value: in_page_language(f"{value:+.1f}")
    return FORMATS["share"]


def _method_sentence(method: dict[str, Any]) -> str:
    """Which limits the run used, in the page's language (the run's sentence, translated)."""
    if not method["fitted"]:
        return gettext("This figure could not be compared in this quarter: too few patients.")
    numbers = {
        "phi": in_page_language(f"{method['phi']:.3g}"),
        "k": method["teams_shown"],
        "tau2": in_page_language(f"{method['tau2']:.4g}"),
    }
    if method["overdispersed"]:
        return (
            gettext(
                "Limits widened because teams vary more than chance alone explains (random "
                "effects, τ² = %(tau2)s; φ = %(phi)s over %(k)s teams)."
            )
            % numbers
        )
    return (
        gettext("Limits assume only chance variation between teams (φ = %(phi)s over %(k)s teams).")
        % numbers
    )


def _caveat_words(caveats: dict[str, Any]) -> list[str]:
    """A team's caveats: life events, rating coverage and few patients, in words."""
    words = []
    if caveats["context_share"] is not None:
        words.append(
            gettext("%(share)s of patients had a life event in the quarter")
            % {"share": FORMATS["share"](caveats["context_share"])}
        )
    if caveats["coverage_median"] is not None:
        words.append(
            gettext("median rating coverage %(share)s")
            % {"share": FORMATS["share"](caveats["coverage_median"])}
        )
    if caveats["few_patients"]:
        words.append(
            gettext("fewer than %(number)s patients: wide limits") % {"number": FEW_PATIENTS}
        )
    return words


def _team_row(name: str, data: dict[str, Any], fmt) -> TeamRow:
    if not data["shown"]:
        return TeamRow(
            name=name,
            shown=False,
            n="",
            observed="",
            expected="",
            adjusted="",
            position=gettext("not shown: fewer than %(number)s patients")
            % {"number": SMALL_NUMBER},
            caveats=[],
        )
    return TeamRow(
        name=name,
        shown=True,
        n=FORMATS["count"](data["n"]),
        observed=fmt(data["observed"]),
        expected=fmt(data["expected"]),
        adjusted=fmt(data["adjusted"]),
        position=str(POSITION_WORDS[data["position"]]),
        caveats=_caveat_words(data["caveats"]),
    )


def comparison_page_context(*, user: User, period: str | None, figure: str | None) -> dict:
    """The page's context: the quarter, the figure, its teams, method and funnel (or no run)."""
    periods = comparison_periods_stored()
    if figure is None:
        figure = TeamComparison.Figure.MEAN_CHANGE
    if figure not in FIGURES:
        raise Http404("No such figure")
    if period:
        try:
            period = parse_period(period)
        except ValueError:
            raise Http404("No such quarter") from None
    else:
        period = periods[0] if periods else None
    labels = dict(TeamComparison.Figure.choices)
    context: dict[str, Any] = {
        "periods": periods,
        "period": period,
        "figure": figure,
        "figure_label": labels[figure],
        "figures": [(name, labels[name]) for name in FIGURES],
        "run": None,
    }
    if period is None or period not in periods:
        return context
    comparison = comparison_for_user(user=user, period=period)
    method = comparison["method"][figure]
    fmt = _figure_format(figure)
    rows, points = [], []
    for team in comparison["teams"]:
        data = team["figures"].get(figure)
        if data is None:
            continue
        rows.append(_team_row(team["name"], data, fmt))
        if data["shown"]:
            points.append(
                FunnelPoint(
                    name=team["name"],
                    n=data["n"],
                    adjusted=data["adjusted"],
                    limits=data["limits"],
                    position=str(POSITION_WORDS[data["position"]]),
                )
            )
    context.update(
        run=comparison,
        method_sentence=_method_sentence(method),
        rows=rows,
        shown_count=len(points),
    )
    if method["fitted"] and points:
        context["chart"] = funnel_chart(
            chart_id="funnel",
            title=gettext("%(figure)s, %(period)s: each team against the expected range")
            % {"figure": labels[figure], "period": period},
            points=points,
            target=method["target"],
            fmt=fmt,
            share=FIGURES[figure] == stats.PROPORTION,
        )
    return context
