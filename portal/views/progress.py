"""*My progress*: the patient's own scores over time, as charts (out of 10) with tables, and
the questionnaires from their care team, each result over time as a chart with the results in
words beside it."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.instrument_selectors import responses_over_time
from assessments.instruments import INSTRUMENTS
from indicators.charts import Series, line_chart
from portal.selectors import (
    context_events_for_patient,
    portal_goals,
    portal_progress,
)
from portal.views.base import (
    CHART_QUARTERS,
    portal_page,
)
from portal.words import (
    SCORE_PARTS,
    better_words,
    decimal,
    number_words,
    part_value,
    part_words,
    portal_score,
)


def _tick_on_ten(value: float) -> str:
    return decimal(f"{value / 10:g}")


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
        "fmt": portal_score,
        "tick_fmt": _tick_on_ten,
    }
    overall = line_chart(
        chart_id="chart-overall",
        title=_("Your overall score over time, out of 10"),
        summary=_("Your overall score, season by season, out of 10."),
        series=[Series(_("Your overall score"), [r["index"] for r in rows])],
        **common,
    )
    names = progress.domain_names
    by_part = line_chart(
        chart_id="chart-parts",
        title=_("Your score for each part of life, out of 10"),
        summary=_("Your score for each part of life, season by season, out of 10."),
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
    parts = [("index", _("Overall")), *((c, progress.domain_names.get(c, c)) for c in "HMR")]

    def shown(value: float | None) -> str:
        return NO_SCORE if value is None else portal_score(value)

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


CHART_ANSWERS = 6  # the latest answers on a questionnaire's chart; the list beside has them all
TICKS = 5


def _ticks(low: int, high: int) -> list[int]:
    step = max(1, -(-(high - low) // TICKS))
    return list(range(low, high + 1, step))


def _day_words(day) -> str:
    return date_format(day, "j F Y")


def _questionnaire_progress(patient) -> list[dict]:
    """Each questionnaire the patient has answered: a chart of its latest results (those on the
    first result's scale) and every answer's results in words, newest first."""
    shown = []
    for code, responses in responses_over_time(patient=patient).items():
        form, parts = INSTRUMENTS[code], SCORE_PARTS[code]
        charted = [p for p in parts if (p.low, p.high) == (parts[0].low, parts[0].high)]
        latest = responses[-CHART_ANSWERS:]
        series = [Series(str(p.name), [part_value(p, r.scores) for r in latest]) for p in charted]
        chart = ""
        if any(v is not None for s in series for v in s.values):
            chart = line_chart(
                chart_id=f"chart-{code.lower()}",
                title=_("%(questionnaire)s: your results over time") % {"questionnaire": form.name},
                summary=_("Your results, %(low)s to %(high)s, each time you answered.")
                % {"low": parts[0].low, "high": parts[0].high},
                x_labels=[date_format(r.completed_on, "j M") for r in latest],
                series=series,
                y_min=parts[0].low,
                y_max=parts[0].high,
                y_ticks=_ticks(parts[0].low, parts[0].high),
                fmt=number_words,
            )
        shown.append(
            {
                "code": code,
                "name": form.name,
                "better": better_words(charted),
                # Built as text by indicators.charts, which escapes every label and value.
                "chart": mark_safe(chart),  # noqa: S308
                "rows": [
                    {
                        "day": _day_words(r.completed_on),
                        "words": [w for p in parts if (w := part_words(p, r.scores))],
                    }
                    for r in reversed(responses)
                ],
            }
        )
    return shown


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
            "questionnaires": _questionnaire_progress(patient),
        },
    )
