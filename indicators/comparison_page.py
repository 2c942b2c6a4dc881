"""The team comparison page: one quarter's stored comparison, one figure at a time, in words.

``comparison_page_context`` reads the stored run (``indicators.comparisons.comparison_for_user``)
and gives the page its teams (alphabetical, never ranked), each team's position and caveats in
the page's language, the method in a sentence and the funnel plot of the chosen figure
(``indicators.dashboard_charts.funnel_chart``). Teams under the small-number rule are listed as
not shown and never plotted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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


# The case-mix factors, why one was left out of the model, and why no adjustment was possible,
# as the page says them (the stored codes of ``indicators.comparison``).
FACTOR_LABELS = {
    "baseline_index": gettext_lazy("the index at baseline"),
    "age_band": gettext_lazy("the age band"),
    "conditions": gettext_lazy("the number of long-term conditions"),
    "stage": gettext_lazy("the stage"),
    "context_event": gettext_lazy("a life event in the quarter"),
    "own_priorities": gettext_lazy("own priorities rather than default weights"),
}
LEVEL_LABELS = {
    stats.NOT_RECORDED: gettext_lazy("not recorded"),
    "early": gettext_lazy("early"),
    "middle": gettext_lazy("middle"),
    "advanced": gettext_lazy("advanced"),
    "under 18": gettext_lazy("under 18"),
}
DROPPED_LABELS = {
    stats.DROPPED_CONSTANT: gettext_lazy("the same for every patient"),
    stats.DROPPED_COLLINEAR: gettext_lazy("already accounted for by the factors before it"),
    stats.DROPPED_SEPARATION: gettext_lazy("predicts the outcome perfectly"),
}
NO_ADJUSTMENT_LABELS = {
    stats.SAME_OUTCOME: gettext_lazy("every patient had the same outcome"),
    stats.NO_FACTOR: gettext_lazy("no factor of the case mix was left to adjust for"),
    stats.TOO_FEW: gettext_lazy("too few patients for the factors that vary"),
    stats.NOT_FITTED: gettext_lazy("the model could not be fitted"),
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
    limits: str
    position: str
    caveats: list[str]


def comparison_periods_stored() -> list[str]:
    """The quarters with a stored comparison run, newest first."""
    return list(ComparisonRun.objects.order_by("-period").values_list("period", flat=True))


def _y_label(figure: str, label: str) -> str:
    """The y axis's name: the figure and its unit."""
    unit = gettext("index points") if FIGURES[figure] == stats.MEAN else "%"
    return f"{label} ({unit})"


def _curve(method: dict[str, Any]) -> Callable[[int, float], tuple[float, float]]:
    """The limits the plot draws for n patients at a level, from what the run stores."""
    return partial(
        stats.funnel_curve_limits,
        method["kind"],
        method["target"],
        sigma=method["sigma"] or 0.0,
        tau2=method["tau2"],
    )


def _figure_format(figure: str):
    """How a figure's values are written: index points for the mean change, else a share."""
    if FIGURES[figure] == stats.MEAN:
        return lambda value: in_page_language(_signed(value))
    return FORMATS["share"]


def _signed(value: float) -> str:
    """A change to one decimal with its sign; one that rounds to nothing is 0.0, not -0.0."""
    rounded = round(value, 1)
    return "0.0" if rounded == 0 else f"{rounded:+.1f}"


def _term_label(term: str) -> str:
    """A factor, or one level of a category (``name[level]``), in the page's language."""
    if "[" not in term:
        return str(FACTOR_LABELS[term])
    name, level = term[:-1].split("[", 1)
    return gettext("%(factor)s, level %(level)s") % {
        "factor": FACTOR_LABELS[name],
        "level": LEVEL_LABELS.get(level, level),
    }


def _adjustment_sentence(method: dict[str, Any]) -> str:
    """How far the case mix could be adjusted for, in the page's language ("" when fully)."""
    if not method["case_mix_adjusted"]:
        return gettext(
            "No case-mix adjustment was possible (%(why)s): each team is compared with the "
            "overall figure."
        ) % {"why": NO_ADJUSTMENT_LABELS[method["no_adjustment_reason"]]}
    if not method["dropped"]:
        return ""
    left_out = "; ".join(
        gettext("%(factor)s (%(why)s)") % {"factor": _term_label(term), "why": DROPPED_LABELS[why]}
        for term, why in method["dropped"].items()
    )
    return gettext("Left out of the case-mix model: %(factors)s.") % {"factors": left_out}


def _method_sentence(method: dict[str, Any]) -> str:
    """Which limits the run used and how far it adjusted for case mix, in the page's language
    (the run's English sentence, rebuilt from its fields)."""
    if not method["fitted"]:
        return gettext("This figure could not be compared in this quarter: too few patients.")
    numbers = {
        "phi": in_page_language(f"{method['phi']:.3g}"),
        "k": method["teams_shown"],
        "tau2": in_page_language(f"{method['tau2']:.4g}"),
    }
    if method["overdispersed"]:
        limits = (
            gettext(
                "Limits widened because teams vary more than chance alone explains (random "
                "effects, τ² = %(tau2)s; φ = %(phi)s over %(k)s teams)."
            )
            % numbers
        )
    else:
        limits = (
            gettext(
                "Limits assume only chance variation between teams (φ = %(phi)s over %(k)s teams)."
            )
            % numbers
        )
    adjustment = _adjustment_sentence(method)
    return f"{limits} {adjustment}" if adjustment else limits


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
            limits="",
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
        limits=gettext("%(lower)s to %(upper)s")
        % {
            "lower": fmt(data["limits"]["lower_998"]),
            "upper": fmt(data["limits"]["upper_998"]),
        },
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
            y_label=_y_label(figure, str(labels[figure])),
            points=points,
            target=method["target"],
            fmt=fmt,
            share=FIGURES[figure] == stats.PROPORTION,
            curve=_curve(method),
        )
    return context
