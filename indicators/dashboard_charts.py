"""The dashboards' charts, each with the table of the same figures beside it.

``trend`` draws one or more figures over the quarters (``indicators.charts``) and writes their
table; ``overview_trends`` gives the trends page and My caseload their charts,
``context_declines_trend`` the context page its chart, ``priority_charts`` the bars of what
matters, and ``funnel_chart`` the comparison of teams its funnel plot. The figures come from
``indicators.dashboard``, shown or withheld as the tables show them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .charts import (
    BOTTOM,
    GRID,
    INK,
    LEFT,
    MUTED,
    PALETTE,
    RIGHT,
    TOP,
    WIDTH,
    Series,
    _num,
    _points,
    _svg,
    _text,
    bar_chart,
    line_chart,
    marker_svg,
)
from .comparison import LEVEL_95, LEVEL_998
from .dashboard import (
    CONTEXT,
    COVERAGE,
    DIRECTIONS,
    GOALS,
    INDEX,
    MARKERS,
    OWN_PRIORITIES,
    PATIENT_INITIATED,
    PATIENTS,
    Figure,
    FigureSpec,
    declined_share,
    domain_specs,
    figure_of,
    figures_over,
    in_page_language,
)
from .dashboard import FORMATS as _FORMATS
from .small_numbers import SMALL_NUMBER

format_count = _FORMATS["count"]
format_index = _FORMATS["index"]
format_share = _FORMATS["share"]
format_t_score = _FORMATS["score"]


@dataclass(frozen=True)
class Trend:
    """One chart over the last quarters and the table of the same figures beside it."""

    chart_id: str
    title: str
    about: str
    svg: str
    headers: list[str]
    rows: list[list[str]]


def _ticks(top: float) -> tuple[float, list[float]]:
    """A round axis maximum at or above ``top`` and four or five ticks up to it."""
    if top <= 0:
        return 5.0, [0.0, 5.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step)
    return step * count, [step * i for i in range(count + 1)]


def _num_tick(value: float) -> str:
    return in_page_language(f"{value:g}")


def trend(
    chart_id: str,
    title: str,
    about: str,
    quarters: list[str],
    series: list[tuple[str, list[Figure]]],
    *,
    band: bool = False,
) -> Trend:
    """A chart of one or more figures over the quarters, and its table."""
    scale = series[0][1][0].spec.scale
    values = [[f.value for f in figs] for _, figs in series]
    fmt: Callable[[float], str]
    if scale == "share":
        y_max, ticks, fmt = 1.0, [0.0, 0.25, 0.5, 0.75, 1.0], format_share
    elif scale == "index":
        y_max, ticks, fmt = 100.0, [0.0, 25.0, 50.0, 75.0, 100.0], format_index
    elif scale == "score":
        y_max, ticks, fmt = 80.0, [20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0], format_t_score
    else:
        shown = [v for vs in values for v in vs if v is not None]
        y_max, ticks = _ticks(max(shown, default=0))
        fmt = format_count
    y_min = 20.0 if scale == "score" else 0.0
    chart_series = [
        Series(
            name,
            [f.value for f in figs],
            low=[f.q1 for f in figs] if band else None,
            high=[f.q3 for f in figs] if band else None,
            not_shown=[gettext("not shown (%(why)s)") % {"why": f.explained} for f in figs],
        )
        for name, figs in series
    ]
    summary = gettext(
        "%(title)s, %(first)s to %(last)s. Quarters where a figure is not shown are left out of "
        "the line."
    ) % {"title": title, "first": quarters[0], "last": quarters[-1]}
    svg = line_chart(
        chart_id=chart_id,
        title=title,
        summary=summary,
        x_labels=quarters,
        series=chart_series,
        y_min=y_min,
        y_max=y_max,
        y_ticks=ticks,
        fmt=fmt,
        tick_fmt=format_share if scale == "share" else _num_tick,
        band_label=gettext("Shaded: the middle half of patients (interquartile range)"),
    )
    headers = [gettext("Quarter")]
    for name, _ in series:
        headers.append(gettext("%(figure)s (median)") % {"figure": name} if band else str(name))
        if band:
            headers.append(gettext("Middle half"))
    rows = []
    for i, quarter in enumerate(quarters):
        cells = [quarter]
        for _, figs in series:
            cells.append(figs[i].text)
            if band:
                cells.append(figs[i].range_text)
        rows.append(cells)
    return Trend(chart_id, str(title), str(about), mark_safe(svg), headers, rows)  # noqa: S308 — built and escaped by charts


def overview_trends(stored: dict, quarters: list[str], names: dict[str, str]) -> list[Trend]:
    """The charts of the trends page: each figure of the overview over the last quarters."""
    per_quarter = figures_over(stored, quarters)

    def over(spec: FigureSpec) -> list[Figure]:
        return [figure_of(figures, spec) for figures in per_quarter]

    domains = domain_specs(names)
    return [
        trend(
            "trend-index",
            INDEX.label,
            INDEX.about,
            quarters,
            [(gettext("Index"), over(INDEX))],
            band=True,
        ),
        trend(
            "trend-coverage",
            COVERAGE.label,
            COVERAGE.about,
            quarters,
            [(COVERAGE.label, over(COVERAGE))],
            band=True,
        ),
        trend(
            "trend-domains",
            gettext("Domains"),
            gettext("The index within each domain of the success framework (medians)."),
            quarters,
            [(spec.label, over(spec)) for spec in domains],
        ),
        trend(
            "trend-change",
            gettext("Improved, stable and declined"),
            gettext(
                "Patients whose index moved by 10 points or more since the quarter before, next "
                "to those whose index held. Read declines with the context events of the same "
                "quarter."
            ),
            quarters,
            [(spec.label, over(spec)) for spec in DIRECTIONS],
        ),
        trend(
            "trend-context",
            CONTEXT.label,
            CONTEXT.about,
            quarters,
            [(CONTEXT.label, over(CONTEXT))],
        ),
        trend("trend-goals", GOALS.label, GOALS.about, quarters, [(GOALS.label, over(GOALS))]),
        trend(
            "trend-access",
            PATIENT_INITIATED.label,
            PATIENT_INITIATED.about,
            quarters,
            [(PATIENT_INITIATED.label, over(PATIENT_INITIATED))],
        ),
        trend(
            "trend-markers",
            MARKERS.label,
            MARKERS.about,
            quarters,
            [(MARKERS.label, over(MARKERS))],
        ),
        trend(
            "trend-patients",
            PATIENTS.label,
            gettext(
                "Patients with any record in the quarter, and those who set their own priorities."
            ),
            quarters,
            [(PATIENTS.label, over(PATIENTS)), (OWN_PRIORITIES.label, over(OWN_PRIORITIES))],
        ),
    ]


def context_declines_trend(stored: dict, quarters: list[str]) -> Trend:
    """The share of patients with a context event beside the share whose index declined."""
    per_quarter = figures_over(stored, quarters)
    shares = [figure_of(figures, CONTEXT) for figures in per_quarter]
    declined = [declined_share(figures) for figures in per_quarter]
    return trend(
        "trend-context-declines",
        gettext("Context events and declines"),
        gettext(
            "The share of patients with a context event beside the share of patients whose index "
            "declined, quarter by quarter."
        ),
        quarters,
        [(CONTEXT.label, shares), (gettext("Patients whose index declined"), declined)],
    )


def priority_charts(shown: dict, period: str) -> dict[str, str]:
    """The bars of how patients share out their points, by domain and by element."""
    return {
        "domain_chart": mark_safe(  # noqa: S308 — built and escaped by charts
            bar_chart(
                chart_id="chart-domains",
                title=gettext("Share of patients' points by domain"),
                summary=gettext(
                    "Mean share of their own points that patients gave to each domain, %(period)s."
                )
                % {"period": period},
                bars=[(s.label, s.mean_share) for s in shown["domains"]],
                x_max=1.0,
                fmt=format_share,
            )
        ),
        "element_chart": mark_safe(  # noqa: S308 — built and escaped by charts
            bar_chart(
                chart_id="chart-elements",
                title=gettext("Share of patients' points by element"),
                summary=gettext(
                    "Mean share of their own points that patients gave to each element, %(period)s."
                )
                % {"period": period},
                bars=[(s.label, s.mean_share) for s in shown["elements"]],
                x_max=max([s.mean_share or 0 for s in shown["elements"]] + [0.1]),
                fmt=format_share,
            )
        ),
    }


@dataclass(frozen=True)
class FunnelPoint:
    """One team on a funnel plot: its patients, adjusted figure, limits and position in words."""

    name: str
    n: int
    adjusted: float
    limits: dict[str, float | None]
    position: str


# The funnel's limit curves: (key, level, dash), 95 % dashed and 99.8 % solid.
FUNNEL_LIMITS = (
    ("lower_95", LEVEL_95, "6 4"),
    ("upper_95", LEVEL_95, "6 4"),
    ("lower_998", LEVEL_998, ""),
    ("upper_998", LEVEL_998, ""),
)
CURVE_POINTS = 60  # enough for a smooth curve at this size, few enough to keep the SVG small
FUNNEL_HEIGHT = 360
FUNNEL_LEFT = LEFT + 28  # room for the y axis's name, in up to two rotated lines
Y_LABEL_CHARACTERS = 42  # a rotated line of the y axis's name: about the plot's height


def funnel_curve_ns(first: int, last: float, teams: Iterable[int] = ()) -> list[int]:
    """The numbers of patients a limit curve passes through: from ``first`` to ``last`` evenly
    spaced on a log scale (so denser at small n, where the limits bend most), and every team's
    own n, so that the curve meets each team's limits exactly."""
    first = max(1, first)
    end = max(first, math.floor(last))
    ratio = end / first
    spaced = {round(first * ratio ** (k / (CURVE_POINTS - 1))) for k in range(CURVE_POINTS)}
    return sorted({first, end, *spaced, *(n for n in teams if first <= n <= end)})


def _wrap(text: str, width: int) -> list[str]:
    """Words in lines of at most ``width`` characters (a longer word keeps a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _y_axis_label(text: str, x: float, y: float) -> str:
    """The y axis's name, rotated to read upwards, centred on (x, y), in one or two lines."""
    lines = _wrap(text, Y_LABEL_CHARACTERS)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    spans = "".join(
        f'<tspan x="0" dy="{0 if i == 0 else 15}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text class="axis-name" transform="translate({_num(x)} {_num(y)}) rotate(-90)" '
        f'font-size="12" fill="{INK}" text-anchor="middle">{spans}</text>'
    )


LABEL_SIZE = 11  # px, the points' labels
LABEL_CHAR = 0.6 * LABEL_SIZE  # an estimate of a character's width, generous for most fonts


def label_places(
    spots: Sequence[tuple[float, float]],
    names: Sequence[str],
    bounds: tuple[float, float, float, float],
) -> list[tuple[float, float, str]]:
    """Where each point's label goes, as (x, y of its baseline, text-anchor): beside its point, to
    the right unless that runs past the chart's right edge, then nudged up or down, further each
    time, until it overlaps no label placed before it and stays within ``bounds`` (left, top,
    right, bottom). Widths are estimated from the number of characters."""
    left, top, right, bottom = bounds
    placed: list[tuple[float, float, float, float]] = []
    places = []
    for (x, y), name in zip(spots, names, strict=True):
        width = LABEL_CHAR * len(name)
        if x + 7 + width <= right:
            x0, anchor, tx = x + 7, "start", x + 7
        else:
            x0, anchor, tx = max(left, x - 7 - width), "end", x - 7
        x1 = x0 + width
        for nudge in (-7, 15, -19, 27, -31, 39, -43, 51):
            base = y + nudge
            box = (x0, base - LABEL_SIZE, x1, base + 2)
            inside = box[1] >= top - LABEL_SIZE and box[3] <= bottom
            clear = all(
                box[0] >= b[2] or box[2] <= b[0] or box[1] >= b[3] or box[3] <= b[1] for b in placed
            )
            if inside and clear:
                break
        else:
            base, box = y - 7, (x0, y - 7 - LABEL_SIZE, x1, y - 5)  # crowded: beside it anyway
        placed.append(box)
        places.append((tx, base, anchor))
    return places


def funnel_chart(
    *,
    chart_id: str,
    title: str,
    y_label: str,
    points: list[FunnelPoint],
    target: float,
    fmt: Callable[[float], str],
    share: bool,
    curve: Callable[[int, float], tuple[float, float]],
) -> str:
    """A funnel plot: each team's adjusted figure against its number of patients, with the 95 %
    limits as dashed grey curves and the 99.8 % limits as solid grey curves; every point one
    colour, so nothing reads as a league table. The description reads out every team, as the
    table does.

    ``curve(n, level)`` gives the (lower, upper) limits at ``level`` of a team of n patients
    (``comparison.funnel_curve_limits`` from the stored run); each curve runs from the smallest
    team shown to the axis's end, through every team's own n."""
    ordered = sorted(points, key=lambda p: (p.n, p.name.casefold()))
    x_max, x_ticks = _ticks(max(p.n for p in ordered) * 1.05)
    ns = funnel_curve_ns(max(SMALL_NUMBER, ordered[0].n), x_max, (p.n for p in ordered))
    curves = {
        key: [(n, curve(n, level)[0 if key.startswith("lower") else 1]) for n in ns]
        for key, level, _dash in FUNNEL_LIMITS
    }
    values = [target] + [p.adjusted for p in ordered]
    values += [value for line in curves.values() for _n, value in line]
    if share:
        y_min, y_max = 0.0, 1.0
        y_ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    else:
        low, high = min(values), max(values)
        _span, y_ticks_raw = _ticks(high - low if high > low else 1.0)
        step = y_ticks_raw[1] - y_ticks_raw[0]
        y_min = math.floor(low / step) * step
        y_max = math.ceil(high / step) * step
        if y_max <= y_min:
            y_max = y_min + step
        y_ticks = [y_min + step * i for i in range(round((y_max - y_min) / step) + 1)]
    left, right, top, bottom = FUNNEL_LEFT, WIDTH - RIGHT, TOP, FUNNEL_HEIGHT - BOTTOM

    def x_at(n: float) -> float:
        return left + (right - left) * n / x_max

    def y_at(value: float) -> float:
        clipped = min(max(value, y_min), y_max)
        return bottom - (bottom - top) * (clipped - y_min) / (y_max - y_min)

    body: list[str] = []
    for tick in y_ticks:
        y = y_at(tick)
        body.append(
            f'<line x1="{left}" x2="{right}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(tick) if share else _num_tick(tick), anchor="end"))
    for tick in x_ticks:
        body.append(_text(x_at(tick), bottom + 18, _num_tick(tick), anchor="middle"))
    body.append(
        _text(
            (left + right) / 2,
            FUNNEL_HEIGHT - 4,
            gettext("Patients in the figure"),
            anchor="middle",
        )
    )
    body.append(_y_axis_label(y_label, 14, (top + bottom) / 2))
    body.append(
        f'<line x1="{left}" x2="{right}" y1="{_num(y_at(target))}" y2="{_num(y_at(target))}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    for key, _level, dash in FUNNEL_LIMITS:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        line = [(x_at(n), y_at(value)) for n, value in curves[key]]
        body.append(
            f'<polyline data-limit="{key}" points="{_points(line)}" fill="none" '
            f'stroke="{MUTED}" stroke-width="1.5"{dash_attr}/>'
        )
    spots = [(x_at(p.n), y_at(p.adjusted)) for p in ordered]
    for x, y in spots:
        body.append(marker_svg("circle", x, y, PALETTE[0]))
    labels = label_places(spots, [p.name for p in ordered], (0, top, WIDTH, bottom))
    for p, (x, y, anchor) in zip(ordered, labels, strict=True):
        body.append(_text(x, y, p.name, size=11, fill=MUTED, anchor=anchor))
    teams = "; ".join(
        gettext("%(team)s: %(n)s patients, adjusted figure %(value)s, %(position)s")
        % {"team": p.name, "n": p.n, "value": fmt(p.adjusted), "position": p.position}
        for p in sorted(points, key=lambda p: p.name.casefold())
    )
    description = gettext(
        "Funnel plot. Across: the number of patients in the figure; up: the adjusted figure, "
        "%(y_label)s. The overall figure is %(target)s. Dashed grey curves: the 95 %% limits; "
        "solid grey curves: the 99.8 %% limits, for a team of each size with the average case "
        "mix. %(teams)s."
    ) % {"y_label": y_label, "target": fmt(target), "teams": teams}
    return mark_safe(_svg(chart_id, title, description, FUNNEL_HEIGHT, body))  # noqa: S308 — built and escaped here and by charts
