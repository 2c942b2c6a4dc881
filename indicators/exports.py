"""CSV of a team's dashboard aggregates for the service's reports: never a patient-level row.

One row per figure and statistic, quarter by quarter, in a long format that spreadsheets pivot
easily. Each value is the figure as the pages show it (``indicators.presentation``): the index as
a whole number, a share to two decimals (the pages' whole percentage), a T-score to one decimal,
so a report quoting the CSV agrees with the dashboard. A figure hidden because it rests on fewer
than 5 patients has an empty value and ``suppressed`` set to ``yes``; the page shows it as "fewer
than 5". Caseload figures are left out
on purpose: they are for reflection and supervision, not for reports that could rank clinicians.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from patients.models import Team

from . import presentation
from .scoring import SUPPRESSION_THRESHOLD
from .selectors import (
    context_shown,
    figure_of,
    overview_specs,
    priorities_shown,
)

HEADER = ["team", "quarter", "section", "figure", "statistic", "value", "suppressed"]
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


def _overview_rows(figures: dict, names: dict[str, str]) -> Iterator[tuple[str, ...]]:
    for spec in overview_specs(names):
        figure = figure_of(figures, spec)
        hidden = figure.value is None
        value, scale = _number(figure.value, spec.scale), spec.scale
        if spec.spread:
            yield ("overview", spec.label, "median", value, _flag(hidden))
            if not hidden:
                yield ("overview", spec.label, "lower quartile", _number(figure.q1, scale), "no")
                yield ("overview", spec.label, "upper quartile", _number(figure.q3, scale), "no")
                yield ("overview", spec.label, "patients", _number(figure.n), "no")
            continue
        yield ("overview", spec.label, _statistic(spec.scale), value, _flag(hidden))


def _flag(hidden: bool) -> str:
    return "yes" if hidden else "no"


def _priority_rows(
    figures: dict, names: dict[str, str], elements: dict[str, str]
) -> Iterator[tuple[str, ...]]:
    shown = priorities_shown(figures, names, elements)
    if shown is None:
        yield ("what matters", "Patients who set their own priorities", "patients", "", "yes")
        return
    yield (
        "what matters",
        "Patients who set their own priorities",
        "patients",
        _number(shown["patients"]),
        "no",
    )
    for section, lines in (
        ("priorities by domain", shown["domains"]),
        ("priorities by element", shown["elements"]),
    ):
        for line in lines:
            hidden = line.patients is None
            yield (
                section,
                line.label,
                "patients giving points",
                _number(line.patients),
                _flag(hidden),
            )
            yield (
                section,
                line.label,
                "mean share of points (0 to 1)",
                _number(line.mean_share, "share"),
                _flag(line.mean_share is None),
            )
    for item in shown["common_items"]:
        if item["patients"] >= SUPPRESSION_THRESHOLD:
            yield (
                "common personal items",
                f"{item['label']} ({item['domain_name']})",
                "patients",
                _number(item["patients"]),
                "no",
            )
    yield (
        "common personal items",
        "Other personal items, each held by fewer than 5 patients",
        "distinct items",
        _number(shown["other_items"]),
        "no",
    )


def _context_rows(figures: dict) -> Iterator[tuple[str, ...]]:
    shown = context_shown(figures)
    for kind in shown["kinds"]:
        value = kind["patients"]
        hidden = value is None or 0 < value < SUPPRESSION_THRESHOLD
        yield (
            "context",
            kind["label"],
            "patients",
            "" if hidden else _number(value),
            _flag(hidden),
        )
    for key, label in (
        ("with_context", "Declined, with a context event"),
        ("without_context", "Declined, without a context event"),
    ):
        value = shown["split"].get(key)
        hidden = value is None or 0 < value < SUPPRESSION_THRESHOLD
        yield ("context", label, "patients", "" if hidden else _number(value), _flag(hidden))


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
        for section, figure, statistic, value, suppressed in (
            *_overview_rows(figures, names),
            *_priority_rows(figures, names, elements),
            *_context_rows(figures),
        ):
            yield [
                cell_text(team.name),
                quarter,
                section,
                cell_text(figure),
                statistic,
                "" if suppressed == "yes" else value,
                suppressed,
            ]


def team_dashboard_csv(out, **kwargs) -> None:
    """Write ``team_dashboard_rows`` to a file-like object (an HttpResponse)."""
    writer = csv.writer(out)
    writer.writerows(team_dashboard_rows(**kwargs))
