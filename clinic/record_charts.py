"""The record page's charts, built with indicators.charts: each domain over time (the patient's
weighted score beside the clinician's view) and each validated instrument's main score."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

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
                title=gettext("%(domain)s, scores out of 100") % {"domain": domain.name},
                summary=gettext("%(domain)s: the patient's score and your own view, by quarter.")
                % {"domain": domain.name},
                x_labels=[row["period"] for row in domain.rows],
                series=[
                    Series(
                        gettext("Patient (weighted by what matters to them)"),
                        [row["patient"] for row in domain.rows],
                    ),
                    Series(gettext("Your own view"), [row["clinician"] for row in domain.rows]),
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
                    gettext("%(name)s, each time it was answered; a higher score is better.")
                    if scale.higher_is == "better"
                    else gettext("%(name)s, each time it was answered; a higher score is worse.")
                )
                % {"name": series.name},
                x_labels=[date_format(r["completed_on"], "j M Y") for r in series.rows],
                series=[Series(str(scale.label), [row["score"] for row in series.rows])],
                y_min=scale.low,
                y_max=scale.high,
                y_ticks=ticks,
                fmt=number_text,
            )
        )
