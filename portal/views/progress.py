"""*My progress*: the patient's own scores over time, as charts (out of 10) with tables."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.safestring import mark_safe

from indicators.charts import Series, line_chart
from indicators.presentation import score_text
from portal.selectors import (
    context_events_for_patient,
    portal_goals,
    portal_progress,
)
from portal.views.base import (
    CHART_QUARTERS,
    portal_page,
)


def _tick_on_ten(value: float) -> str:
    return f"{value / 10:g}"


def _progress_charts(progress) -> tuple[str, str]:
    """The overall chart and the chart by part of life, for the last quarters with a score.

    The stored 0–100 values are drawn against an axis labelled 0 to 10, and every value is written
    by ``score_text`` from the stored value, as in the table and the sentence above it."""
    rows = progress.rows[-CHART_QUARTERS:]
    if not any(r["index"] is not None for r in rows):
        return "", ""
    labels = [r["short"] for r in rows]
    common: dict[str, Any] = {
        "x_labels": labels,
        "y_min": 0,
        "y_max": 100,
        "y_ticks": [0, 20, 40, 60, 80, 100],
        "fmt": score_text,
        "tick_fmt": _tick_on_ten,
    }
    overall = line_chart(
        chart_id="chart-overall",
        title="Your overall score over time, out of 10",
        summary="Your overall score, season by season, out of 10.",
        series=[Series("Your overall score", [r["index"] for r in rows])],
        **common,
    )
    names = progress.domain_names
    by_part = line_chart(
        chart_id="chart-parts",
        title="Your score for each part of life, out of 10",
        summary="Your score for each part of life, season by season, out of 10.",
        series=[Series(names.get(code, code), [r[code] for r in rows]) for code in "HMR"],
        **common,
    )
    # Built as text by indicators.charts, which escapes every label and value it is given.
    return mark_safe(overall), mark_safe(by_part)  # noqa: S308


NO_SCORE = "–"


def _score_tables(progress) -> list[dict]:
    """The scores in years of up to four quarters, newest year first, quarters oldest first like
    the charts: per quarter a card with the overall score and one for each part of life, each
    written out of 10 by ``score_text``, a dash where there is none. ``lines`` holds the same as
    rows (overall, then each part of life) across the quarters."""
    rows, tables = progress.rows, []
    parts = [("index", "Overall"), *((c, progress.domain_names.get(c, c)) for c in "HMR")]

    def shown(value: float | None) -> str:
        return NO_SCORE if value is None else score_text(value)

    while rows:
        year, rows = rows[-CHART_QUARTERS:], rows[:-CHART_QUARTERS]
        tables.append(
            {
                "quarters": year,
                "lines": [(name, [shown(r[key]) for r in year]) for key, name in parts],
                "cards": [
                    {"quarter": r, "scores": [(name, shown(r[key])) for key, name in parts]}
                    for r in year
                ],
            }
        )
    return tables


@portal_page
def progress(request, patient):
    data = portal_progress(patient=patient)
    overall, by_part = _progress_charts(data)
    return render(
        request,
        "portal/progress.html",
        {
            "progress": data,
            "tables": _score_tables(data),
            "overall_chart": overall,
            "parts_chart": by_part,
            "goals": portal_goals(patient=patient),
            "events": context_events_for_patient(patient=patient),
        },
    )
