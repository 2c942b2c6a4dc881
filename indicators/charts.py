"""Accessible inline-SVG charts, built as text in Python (no JavaScript; Django only
for the words, in the page's language).

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``; the
description lists every value, so a screen reader hears the data, and the page puts a table beside
the chart too. Series differ in colour (Okabe–Ito, safe for colour-blind readers) *and* in marker
shape and dash pattern, so colour is never the only signal. Styling is done with SVG presentation
attributes, never ``style=``, so a strict Content-Security-Policy needs no exception.

A value of ``None`` is a figure that is not shown (suppressed below 5 patients, hidden to protect a
smaller number, or no summary): the line breaks there and the description says so, in the words of
the series' ``not_shown`` when it gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeVar

from django.utils.functional import lazy
from django.utils.translation import gettext

from .small_numbers import SMALL_NUMBER

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency. Only the ones
# with at least 3:1 contrast on white (WCAG 1.4.11) are used; orange, sky blue and yellow are not.
_V = TypeVar("_V")

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle")
INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#c5ccd3"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
FONT_SIZE = 13


def _not_shown() -> str:
    return gettext("not shown (fewer than %(number)s patients or no summary)") % {
        "number": SMALL_NUMBER
    }


def _fewer_than() -> str:
    return gettext("fewer than %(number)s") % {"number": SMALL_NUMBER}


NOT_SHOWN = lazy(_not_shown, str)()  # in the language of the page being drawn

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40
LEGEND_ROW = 22


@dataclass(frozen=True)
class Series:
    """One line; ``low`` and ``high``, when given, draw a shaded band (e.g. the quartiles)."""

    name: str
    values: Sequence[float | None]
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None
    not_shown: Sequence[str] | None = None  # why each missing value is missing, in words


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float, y: float, body: str, *, anchor: str = "start", size: int = 13, fill: str = INK
) -> str:
    size_attr = f' font-size="{size}"' if size != FONT_SIZE else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}"{size_attr} fill="{fill}" '
        f'text-anchor="{anchor}">{escape(body)}</text>'
    )


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs)


def marker_svg(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    """A data point drawn as a circle, square, triangle or diamond, outlined for contrast."""
    s = size
    common = f'fill="{colour}" stroke="#ffffff" stroke-width="1.2"'
    if shape == "square":
        return (
            f'<rect x="{_num(x - s)}" y="{_num(y - s)}" width="{_num(2 * s)}" '
            f'height="{_num(2 * s)}" {common}/>'
        )
    if shape == "triangle":
        w = s * 1.15
        corners = [(x, y - s * 1.2), (x + w, y + s), (x - w, y + s)]
        return f'<polygon points="{_points(corners)}" {common}/>'
    if shape == "diamond":
        d = s * 1.3
        corners = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
        return f'<polygon points="{_points(corners)}" {common}/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(s)}" {common}/>'


def _runs(values: Sequence[_V | None]) -> list[list[tuple[int, _V]]]:
    """The unbroken stretches of shown values, as (position, value) pairs."""
    runs: list[list[tuple[int, _V]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if run]


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def describe_series(x_labels: Sequence[str], series: Series, fmt: Callable[[float], str]) -> str:
    """A sentence reading out a series, quarter by quarter, for the chart's text alternative."""
    parts = []
    for i, label in enumerate(x_labels):
        value = series.values[i]
        if value is None:
            parts.append(f"{label} {series.not_shown[i] if series.not_shown else NOT_SHOWN}")
            continue
        text = f"{label} {fmt(value)}"
        if series.low is not None and series.high is not None:
            low, high = series.low[i], series.high[i]
            if low is not None and high is not None:
                text += " " + gettext("(middle half %(low)s to %(high)s)") % {
                    "low": fmt(low),
                    "high": fmt(high),
                }
        parts.append(text)
    return f"{series.name}: " + "; ".join(parts) + "."


def line_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_min: float,
    y_max: float,
    y_ticks: Sequence[float],
    fmt: Callable[[float], str] = _num,
    tick_fmt: Callable[[float], str] | None = None,
    band_label: str = "",
) -> str:
    """A line chart over quarters, with optional shaded bands, as an accessible SVG string."""
    if not series or len(series) > len(PALETTE):
        raise ValueError(f"a line chart takes 1 to {len(PALETTE)} series")
    has_band = any(s.low is not None and s.high is not None for s in series)
    legend_rows = len(series) + has_band
    top = TOP + legend_rows * LEGEND_ROW
    height = HEIGHT + legend_rows * LEGEND_ROW
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = height - top - BOTTOM
    span = (y_max - y_min) or 1.0
    count = max(1, len(x_labels))
    step = plot_w / count

    def x_at(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y_at(value: float) -> float:
        clipped = min(y_max, max(y_min, value))
        return top + plot_h - (clipped - y_min) / span * plot_h

    body: list[str] = []
    for tick in y_ticks:
        y = y_at(tick)
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(LEFT - 6, y + 4, (tick_fmt or fmt)(tick), anchor="end", fill=MUTED))
    body.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(top + plot_h)}" '
        f'y2="{_num(top + plot_h)}" stroke="{MUTED}" stroke-width="1"/>'
    )
    for i, label in enumerate(x_labels):
        body.append(_text(x_at(i), top + plot_h + 20, label, anchor="middle", fill=MUTED))

    for n, s in enumerate(series):
        if s.low is None or s.high is None:
            continue
        bounds = [
            None if lo is None or hi is None else (lo, hi)
            for lo, hi in zip(s.low, s.high, strict=True)
        ]
        for band in _runs(bounds):
            if len(band) == 1:
                i, (lo, hi) = band[0]
                body.append(
                    f'<rect x="{_num(x_at(i) - 6)}" y="{_num(y_at(hi))}" width="12" '
                    f'height="{_num(y_at(lo) - y_at(hi))}" fill="{PALETTE[n]}" '
                    f'fill-opacity="0.18"/>'
                )
                continue
            outline = [(x_at(i), y_at(hi)) for i, (_, hi) in band]
            outline += [(x_at(i), y_at(lo)) for i, (lo, _) in reversed(band)]
            body.append(
                f'<polygon points="{_points(outline)}" fill="{PALETTE[n]}" '
                f'fill-opacity="0.18" stroke="none"/>'
            )
    for n, s in enumerate(series):
        colour, dash, shape = PALETTE[n], DASHES[n], MARKERS[n]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(s.values):
            if len(run) > 1:
                body.append(
                    f'<polyline points="{_points([(x_at(i), y_at(v)) for i, v in run])}" '
                    f'fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
                )
            body.extend(marker_svg(shape, x_at(i), y_at(v), colour) for i, v in run)

    for n, s in enumerate(series):
        y = TOP + n * LEGEND_ROW + 8
        colour, dash, shape = PALETTE[n], DASHES[n], MARKERS[n]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="{LEFT}" x2="{LEFT + 36}" y1="{y}" y2="{y}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>'
        )
        body.append(marker_svg(shape, LEFT + 18, y, colour))
        body.append(_text(LEFT + 44, y + 4, s.name))
    if has_band:
        y = TOP + len(series) * LEGEND_ROW + 8
        body.append(
            f'<rect x="{LEFT}" y="{y - 6}" width="36" height="12" fill="{PALETTE[0]}" '
            f'fill-opacity="0.18"/>'
        )
        label = band_label or gettext("Shaded: the middle half of patients (interquartile range)")
        body.append(_text(LEFT + 44, y + 4, label))

    description = " ".join([summary, *(describe_series(x_labels, s, fmt) for s in series)])
    return _svg(chart_id, title, description, height, body)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    bars: Sequence[tuple[str, float | None]],
    x_max: float,
    fmt: Callable[[float], str] = _num,
) -> str:
    """Horizontal bars, each labelled with its value in words beside it, as an accessible SVG."""
    label_w, row_h, value_w = 320, 28, 90
    height = TOP + row_h * max(1, len(bars)) + 8
    bar_space = WIDTH - label_w - value_w - RIGHT
    body: list[str] = []
    parts: list[str] = []
    for n, (label, value) in enumerate(bars):
        y = TOP + n * row_h
        short = label if len(label) <= 42 else label[:41].rstrip() + "…"
        body.append(_text(label_w - 8, y + row_h / 2 + 4, short, anchor="end"))
        if value is None:
            body.append(_text(label_w, y + row_h / 2 + 4, _fewer_than(), fill=MUTED))
            parts.append(f"{label} {NOT_SHOWN}")
            continue
        width = max(0.0, min(1.0, value / x_max if x_max else 0.0)) * bar_space
        body.append(
            f'<rect x="{label_w}" y="{_num(y + 5)}" width="{_num(width)}" '
            f'height="{row_h - 10}" fill="{PALETTE[0]}"/>'
        )
        body.append(_text(label_w + width + 6, y + row_h / 2 + 4, fmt(value)))
        parts.append(f"{label} {fmt(value)}")
    body.append(
        f'<line x1="{label_w}" x2="{label_w}" y1="{TOP}" y2="{TOP + row_h * len(bars)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    description = f"{summary} " + "; ".join(parts) + "."
    return _svg(chart_id, title, description, height, body)
