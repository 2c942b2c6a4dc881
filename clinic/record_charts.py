"""The record page's charts, built with indicators.charts: each domain over time (the patient's
weighted score beside the clinician's view) and each validated instrument's main score."""

from __future__ import annotations

from django.utils.safestring import mark_safe

from clinic.instrument_words import MAIN_SCORES, number_text
from indicators.charts import Series, line_chart
from indicators.presentation import index_text


def domain_charts(record) -> None:
    """An accessible line chart per domain: the patient's weighted score beside the clinician's."""
    for domain in record.domains:
        if not domain.rows:
            continue
        domain.chart = mark_safe(  # noqa: S308 — built by indicators.charts, which escapes text
            line_chart(
                chart_id=f"domain-{domain.code}",
                title=f"{domain.name}, scores out of 100",
                summary=f"{domain.name}: the patient's score and your own view, by quarter.",
                x_labels=[row["period"] for row in domain.rows],
                series=[
                    Series(
                        "Patient (weighted by what matters to them)",
                        [row["patient"] for row in domain.rows],
                    ),
                    Series("Your own view", [row["clinician"] for row in domain.rows]),
                ],
                y_min=0,
                y_max=100,
                y_ticks=[0, 25, 50, 75, 100],
                fmt=index_text,
            )
        )


def instrument_charts(record) -> None:
    """An accessible line chart per validated instrument answered: its main score over time."""
    for series in record.instruments:
        scale = MAIN_SCORES[series.code]
        ticks = sorted({scale.low, (scale.low + scale.high) / 2, scale.high})
        series.chart = mark_safe(  # noqa: S308 — built by indicators.charts, which escapes text
            line_chart(
                chart_id=f"instrument-{series.code}",
                title=f"{series.short_name}: {scale.label}",
                summary=(
                    f"{series.name}, each time it was answered; a higher score is "
                    f"{scale.higher_is}."
                ),
                x_labels=[
                    f"{r['completed_on'].day} {r['completed_on']:%b %Y}" for r in series.rows
                ],
                series=[Series(scale.label, [row["score"] for row in series.rows])],
                y_min=scale.low,
                y_max=scale.high,
                y_ticks=ticks,
                fmt=number_text,
            )
        )
