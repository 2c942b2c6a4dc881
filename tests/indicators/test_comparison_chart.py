"""The funnel plot's drawing (indicators.dashboard_charts.funnel_chart): smooth limit curves from
the run's own formulas, through every team's limits, and the y axis named.

The chart's scales are read back from its own tick labels (``tests.support.comparisons.Axes``),
so a curve's points are checked against the formula in the chart's coordinates, to the SVG's
precision (0.1 unit, rounded once for the point and once for the tick it is measured from).
"""

import html
import math
import re
from functools import partial

import pytest
from django.utils import translation

from indicators import comparison as stats
from indicators.charts import WIDTH
from indicators.dashboard import FORMATS
from indicators.dashboard_charts import (
    CURVE_POINTS,
    LABEL_CHAR,
    FunnelPoint,
    funnel_chart,
    funnel_curve_ns,
)
from tests.support.comparisons import Axes, curves_of

PRECISION = 0.1 + 1e-9
LIMITS = {
    "lower_95": (stats.LEVEL_95, 0),
    "upper_95": (stats.LEVEL_95, 1),
    "lower_998": (stats.LEVEL_998, 0),
    "upper_998": (stats.LEVEL_998, 1),
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en-gb"):
        yield


def chart_of(points, target, curve, *, share=False) -> str:
    fmt = FORMATS["share"] if share else (lambda value: f"{value:+.1f}")
    return funnel_chart(
        chart_id="funnel",
        title="A figure, 2025Q4: each team against the expected range",
        y_label="A figure (units)",
        points=points,
        target=target,
        fmt=fmt,
        share=share,
        curve=curve,
    )


def team(name: str, n: int, adjusted: float, curve) -> FunnelPoint:
    limits = {key: curve(n, level)[side] for key, (level, side) in LIMITS.items()}
    return FunnelPoint(name=name, n=n, adjusted=adjusted, limits=limits, position="within")


def test_the_curve_numbers_run_from_the_smallest_team_to_the_axis_end_denser_when_small():
    ns = funnel_curve_ns(12, 200, [12, 40, 151])

    assert ns[0] == 12
    assert ns[-1] == 200
    assert {40, 151} <= set(ns)
    assert ns == sorted(set(ns))
    assert 40 <= len(ns) <= CURVE_POINTS + 3
    # Points per patient: several times denser below 50 patients than above.
    small, large = [n for n in ns if n < 50], [n for n in ns if n >= 50]
    assert len(small) / (50 - 12) > 3 * len(large) / (200 - 50)


def test_mean_curves_follow_the_widened_formula_and_meet_each_teams_limits():
    # θ₀ = 2, σ = 5, τ² = 0.3: θ₀ ± z·√(25/n + 0.3), the formula the run's teams were given.
    curve = partial(stats.funnel_curve_limits, stats.MEAN, 2.0, sigma=5.0, tau2=0.3)
    points = [team("Alder", 12, 4.1, curve), team("Birch", 40, 0.5, curve)]
    points.append(team("Cedar", 151, 2.9, curve))

    svg = chart_of(points, 2.0, curve)

    axes, curves = Axes(svg), curves_of(svg)
    assert sorted(curves) == sorted(LIMITS)
    for key, (level, side) in LIMITS.items():
        line = curves[key]
        assert 40 <= len(line) <= CURVE_POINTS + 3  # smooth, yet a small SVG
        ns = [axes.n_at(x) for x, _y in line]
        assert ns[0] == 12  # from the smallest team shown
        assert ns[-1] == 200  # to the axis's end
        z = stats.z_for_level(level)
        for n, (x, y) in zip(ns, line, strict=True):
            by_hand = 2.0 + (1 if side else -1) * z * math.sqrt(25 / n + 0.3)
            assert abs(x - axes.x_at(n)) <= PRECISION, (key, n)
            assert abs(y - axes.y_at(by_hand)) <= PRECISION, (key, n)
        for point in points:  # the curve passes through each team's own limit at its n
            at_n = [y for x, y in line if axes.n_at(x) == point.n]
            assert len(at_n) == 1
            assert abs(at_n[0] - axes.y_at(point.limits[key])) <= PRECISION
    assert 'data-limit="upper_95" ' in svg
    assert re.search(r'data-limit="upper_95"[^>]*stroke-dasharray="6 4"', svg)
    assert not re.search(r'data-limit="upper_998"[^>]*stroke-dasharray', svg)
    assert len(svg) < 12_000


def test_share_curves_are_the_exact_binomial_limits_around_p0():
    curve = partial(stats.funnel_curve_limits, stats.PROPORTION, 0.3, sigma=0.0, tau2=0.0)
    points = [team("Alder", 8, 0.5, curve), team("Birch", 30, 0.2, curve)]
    points.append(team("Cedar", 90, 0.31, curve))

    svg = chart_of(points, 0.3, curve, share=True)

    axes, curves = Axes(svg), curves_of(svg)
    for key, (level, side) in LIMITS.items():
        line = curves[key]
        assert axes.n_at(line[0][0]) == 8
        for x, y in line:
            n = axes.n_at(x)
            exact = stats.funnel_limits_proportion(0.3, n, level)[side]
            assert abs(y - axes.y_at(exact)) <= PRECISION, (key, n)


def test_the_y_axis_is_named_in_rotated_text_beside_the_accessible_title_and_description():
    curve = partial(stats.funnel_curve_limits, stats.MEAN, 0.0, sigma=4.0, tau2=0.0)
    svg = funnel_chart(
        chart_id="funnel",
        title="Mean change, 2025Q4: each team against the expected range",
        y_label="Mean change in the patient-weighted index (index points)",
        points=[team("Alder", 20, 1.0, curve)],
        target=0.0,
        fmt=lambda value: f"{value:+.1f}",
        share=False,
        curve=curve,
    )

    label = re.search(r'<text class="axis-name" transform="([^"]+)"[^>]*>(.*?)</text>', svg)
    assert "rotate(-90)" in label.group(1)
    lines = re.findall(r"<tspan[^>]*>([^<]+)</tspan>", label.group(2))
    assert " ".join(lines) == "Mean change in the patient-weighted index (index points)"
    assert len(lines) == 2  # too long for one line along the axis
    assert svg.index('<title id="funnel-title">') < svg.index('<desc id="funnel-desc">')
    assert 'aria-labelledby="funnel-title funnel-desc"' in svg
    desc = re.search(r'<desc id="funnel-desc">([^<]+)</desc>', svg).group(1)
    assert desc.startswith(
        "Funnel plot. Across: the number of patients in the figure; up: the adjusted figure, "
        "Mean change in the patient-weighted index (index points)."
    )
    assert "Alder: 20 patients, adjusted figure +1.0, within." in desc


def _label_boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """Each point label's estimated box, from its position, anchor and length."""
    boxes = []
    for x, y, anchor, name in re.findall(
        r'<text x="([\d.-]+)" y="([\d.-]+)" font-size="11" fill="[^"]+" '
        r'text-anchor="(start|end)">([^<]+)</text>',
        svg,
    ):
        width = LABEL_CHAR * len(html.unescape(name))
        x0 = float(x) if anchor == "start" else float(x) - width
        boxes.append((html.unescape(name), x0, float(y) - 11, x0 + width, float(y) + 2))
    return boxes


def test_team_labels_do_not_overlap_or_run_off_the_chart():
    curve = partial(stats.funnel_curve_limits, stats.MEAN, -1.8, sigma=4.0, tau2=0.0)
    points = [  # the demo's quarter whose labels once sat on each other and ran off the edge
        team("Community Frailty Service", 36, -3.4, curve),
        team("Community Respiratory Team", 22, -2.7, curve),
        team("Diabetes Specialist Service", 45, -1.9, curve),
        team("Meadowbank Health Centre", 27, -2.1, curve),
        team("Parkinson's Service", 19, 0.0, curve),
        team("Riverside General Practice", 119, -1.3, curve),
    ]
    boxes = _label_boxes(chart_of(points, -1.8, curve))
    assert sorted(name for name, *_ in boxes) == sorted(p.name for p in points)
    for name, x0, _top, x1, _bottom in boxes:
        assert x0 >= 0, name
        assert x1 <= WIDTH, name
    for i, (a, *box_a) in enumerate(boxes):
        for b, *box_b in boxes[i + 1 :]:
            apart = (
                box_a[2] <= box_b[0]
                or box_b[2] <= box_a[0]
                or box_a[3] <= box_b[1]
                or box_b[3] <= box_a[1]
            )
            assert apart, (a, b)
