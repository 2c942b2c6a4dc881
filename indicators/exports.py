"""CSV of a team's dashboard aggregates for the service's reports: never a patient-level row.

One row per figure and statistic, quarter by quarter, in a long format that spreadsheets pivot
easily. Each value is the figure as the pages show it (``indicators.presentation``): the index as
a whole number, a share to two decimals (the pages' whole percentage), a T-score to one decimal,
so a report quoting the CSV agrees with the dashboard.

A figure that is not shown has an empty value, ``suppressed`` set to ``yes``, and
``not_shown_because`` saying why, in the words of ``NOT_SHOWN_BECAUSE``: it rests on fewer than 5
patients (the pages say "fewer than 5"); it is hidden so that a smaller number cannot be worked out
from the others ("hidden"); or it is a change with no earlier quarter to compare with ("no earlier
quarter"). Caseload figures are left out on purpose: they are for reflection and supervision, not
for reports that could rank clinicians.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from patients.models import Team

from . import presentation
from .dashboard import (
    WITHHELD_UNKNOWN,
    Figure,
    context_shown,
    figure_of,
    overview_specs,
    priorities_shown,
)
from .small_numbers import (
    FEWER_THAN_5,
    FEWER_THAN_PATIENTS,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    too_few,
)

HEADER = [
    "team",
    "quarter",
    "section",
    "figure",
    "statistic",
    "value",
    "suppressed",
    "not_shown_because",
]
# One value per reason, self-explaining, so the file needs no key to be read.
NOT_SHOWN_BECAUSE = {
    FEWER_THAN_5: FEWER_THAN_PATIENTS,
    PROTECTS_SMALLER: "hidden so that a smaller number cannot be worked out from the others",
    NO_EARLIER_QUARTER: "no earlier quarter to compare with",
    WITHHELD_UNKNOWN: f"{FEWER_THAN_PATIENTS}, or hidden so that a smaller number cannot be "
    "worked out (stored before reasons were kept)",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _number(value: float | int | None, scale: str = "count") -> str:
    """A figure as the pages show it (indicators.presentation), as a plain number."""
    if value is None:
        return ""
    return presentation.number_text(SHOWN[scale](value))


SHOWN = {
    "index": presentation.index_shown,
    "share": presentation.share_shown,
    "score": presentation.t_score_shown,
    "count": lambda value: Decimal(int(value)),
}


def _statistic(scale: str) -> str:
    return {
        "index": "median",
        "share": "share (0 to 1)",
        "score": "T-score",
        "count": "patients",
    }[scale]


def _why(figure: Figure) -> str:
    """Why a figure is not shown, in the CSV's words; empty when it is shown."""
    return "" if figure.value is not None else NOT_SHOWN_BECAUSE[figure.reason or FEWER_THAN_5]


def _overview_rows(figures: dict, names: dict[str, str]) -> Iterator[tuple[str, ...]]:
    for spec in overview_specs(names):
        figure = figure_of(figures, spec)
        value, scale, why = _number(figure.value, spec.scale), spec.scale, _why(figure)
        if spec.spread:
            yield ("overview", spec.label, "median", value, why)
            if not why:
                yield ("overview", spec.label, "lower quartile", _number(figure.q1, scale), "")
                yield ("overview", spec.label, "upper quartile", _number(figure.q3, scale), "")
                yield ("overview", spec.label, "patients", _number(figure.n), "")
            continue
        yield ("overview", spec.label, _statistic(spec.scale), value, why)


def _priority_rows(
    figures: dict, names: dict[str, str], elements: dict[str, str]
) -> Iterator[tuple[str, ...]]:
    small = NOT_SHOWN_BECAUSE[FEWER_THAN_5]  # what matters rests on its holders only
    shown = priorities_shown(figures, names, elements)
    if shown is None:
        yield ("what matters", "Patients who set their own priorities", "patients", "", small)
        return
    yield (
        "what matters",
        "Patients who set their own priorities",
        "patients",
        _number(shown["patients"]),
        "",
    )
    for section, lines in (
        ("priorities by domain", shown["domains"]),
        ("priorities by element", shown["elements"]),
    ):
        for line in lines:
            yield (
                section,
                line.label,
                "patients giving points",
                _number(line.patients),
                small if line.patients is None else "",
            )
            yield (
                section,
                line.label,
                "mean share of points (0 to 1)",
                _number(line.mean_share, "share"),
                small if line.mean_share is None else "",
            )
    for item in shown["common_items"]:
        if not too_few(item["patients"]):
            yield (
                "common personal items",
                f"{item['label']} ({item['domain_name']})",
                "patients",
                _number(item["patients"]),
                "",
            )
    yield (
        "common personal items",
        f"Other personal items, each held by {FEWER_THAN_PATIENTS}",
        "distinct items",
        _number(shown["other_items"]),
        "",
    )


def _context_rows(figures: dict) -> Iterator[tuple[str, ...]]:
    shown = context_shown(figures)
    for figure in (
        *shown["kinds"],
        shown["declined_with_context"],
        shown["declined_without_context"],
    ):
        yield ("context", figure.spec.label, "patients", _number(figure.value), _why(figure))


INSTRUMENT_STATISTICS = (
    ("n", "patients", "count"),
    ("median", "median", "instrument"),
    ("q1", "lower quartile", "instrument"),
    ("q3", "upper quartile", "instrument"),
    ("share_positive", "share screening positive (0 to 1)", "share"),
    ("top_score_share", "share giving the top score (0 to 1)", "share"),
)


def _instrument_rows(figures: dict) -> Iterator[tuple[str, ...]]:
    """Each instrument's figures (indicators/instrument_figures.py), withheld as on the page."""
    reasons = figures.get("suppressed_reasons", {})
    for code, stored in figures.get("instruments", {}).items():
        label = f"{code}: {stored.get('main_score', 'score')}"
        for key, statistic, scale in INSTRUMENT_STATISTICS:
            if key not in stored:
                continue
            value = stored[key]
            if value is None:
                reason = reasons.get(f"instruments.{code}.{key}") or FEWER_THAN_5
                yield ("instruments", label, statistic, "", NOT_SHOWN_BECAUSE[reason])
            elif scale == "instrument":
                shown = presentation.instrument_score_text(value)
                yield ("instruments", label, statistic, shown, "")
            else:
                yield ("instruments", label, statistic, _number(value, scale), "")


def team_dashboard_rows(
    *,
    team: Team,
    stored: dict,
    quarters: list[str],
    names: dict[str, str],
    elements: dict[str, str],
) -> Iterator[list[str]]:
    """Every aggregate the dashboards show for these quarters, as CSV rows after the header."""
    yield HEADER
    for quarter in quarters:
        summary = stored.get(quarter)
        if summary is None:
            continue
        figures = summary.figures
        for section, figure, statistic, value, why in (
            *_overview_rows(figures, names),
            *_priority_rows(figures, names, elements),
            *_context_rows(figures),
            *_instrument_rows(figures),
        ):
            yield [
                cell_text(team.name),
                quarter,
                section,
                cell_text(figure),
                statistic,
                "" if why else value,
                "yes" if why else "no",
                why,
            ]


def team_dashboard_csv(out, **kwargs) -> None:
    """Write ``team_dashboard_rows`` to a file-like object (an HttpResponse)."""
    writer = csv.writer(out)
    writer.writerows(team_dashboard_rows(**kwargs))


# --- The fair comparison of teams --------------------------------------------------------------

COMPARISON_HEADER = [
    "team",
    "quarter",
    "figure",
    "shown",
    "n",
    "observed",
    "expected",
    "adjusted",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "position",
    "context_share",
    "coverage_median",
    "few_patients",
    "target",
    "method",
]


def _plain(value: float | int | None) -> str:
    """A stored comparison figure to 4 decimals; empty when not shown."""
    return "" if value is None else f"{value:.4f}"


def comparison_rows(comparison: dict) -> Iterator[list[str]]:
    """The comparison of ``comparisons.comparison_for_user`` as CSV rows: one per team and
    figure, teams in alphabetical order, each with its position in words and its caveats."""
    yield COMPARISON_HEADER
    method = comparison["method"]
    for team in comparison["teams"]:
        for figure, shown in team["figures"].items():
            limits, caveats = shown["limits"], shown["caveats"]
            yield [
                cell_text(team["name"]),
                comparison["period"],
                figure,
                "yes" if shown["shown"] else "no",
                "" if shown["n"] is None else str(shown["n"]),
                _plain(shown["observed"]),
                _plain(shown["expected"]),
                _plain(shown["adjusted"]),
                _plain(limits["lower_95"]),
                _plain(limits["upper_95"]),
                _plain(limits["lower_998"]),
                _plain(limits["upper_998"]),
                shown["position"],
                _plain(caveats["context_share"]),
                _plain(caveats["coverage_median"]),
                "yes" if caveats["few_patients"] else "no",
                _plain(method[figure].get("target")),
                method[figure].get("sentence", method[figure].get("reason", "")),
            ]


def comparison_csv(out, comparison: dict) -> None:
    """Write ``comparison_rows`` to a file-like object (an HttpResponse)."""
    csv.writer(out).writerows(comparison_rows(comparison))
