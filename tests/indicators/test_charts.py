"""The inline-SVG charts: a text alternative, colour never the only signal, no inline style."""

import re
from xml.etree import ElementTree

import pytest

from indicators.charts import DASHES, MARKERS, PALETTE, Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def index_chart(**overrides):
    options = {
        "chart_id": "trend-index",
        "title": "Patient-weighted index",
        "summary": "Median index by quarter.",
        "x_labels": QUARTERS,
        "series": [
            Series(
                "Index",
                [52.0, None, 55.5, 60.0],
                low=[40.0, None, 41.0, 45.0],
                high=[60.0, None, 66.0, 70.0],
            )
        ],
        "y_min": 0,
        "y_max": 100,
        "y_ticks": [0, 25, 50, 75, 100],
    }
    options.update(overrides)
    return line_chart(**options)


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 — markup this test suite just built


def test_a_chart_is_an_image_labelled_by_its_own_title_and_description():
    root = parse(index_chart())

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-index-title trend-index-desc"
    assert root.find(f"{SVG}title").text == "Patient-weighted index"
    assert root.find(f"{SVG}title").get("id") == "trend-index-title"
    assert root.find(f"{SVG}desc").get("id") == "trend-index-desc"


def test_the_description_reads_out_every_value_and_says_which_are_not_shown():
    desc = parse(index_chart()).find(f"{SVG}desc").text

    assert desc.startswith("Median index by quarter.")
    assert "2025Q1 52 (middle half 40 to 60)" in desc
    assert "2025Q2 not shown (fewer than 5 patients or no summary)" in desc
    assert "2025Q4 60 (middle half 45 to 70)" in desc


def test_a_hidden_quarter_breaks_the_line_and_gets_no_marker():
    root = parse(index_chart())

    lines = root.findall(f"{SVG}polyline")
    markers = root.findall(f"{SVG}circle")
    # one line from 2025Q3 to 2025Q4; 2025Q1 stands alone as a point; 2025Q2 is not drawn
    assert len(lines) == 1
    assert len(lines[0].get("points").split()) == 2
    assert len(markers) == 3 + 1  # three shown quarters and the legend sample


def test_the_interquartile_band_is_drawn_for_shown_quarters_only():
    root = parse(index_chart())

    bands = [p for p in root.findall(f"{SVG}polygon") if p.get("fill-opacity") == "0.18"]
    lone = [r for r in root.findall(f"{SVG}rect") if r.get("fill-opacity") == "0.18"]
    assert len(bands) == 1  # 2025Q3 to 2025Q4
    assert len(bands[0].get("points").split()) == 4
    assert len(lone) == 2  # 2025Q1 alone, and the legend sample


def test_each_series_differs_in_colour_dash_and_marker_so_colour_is_not_the_only_signal():
    svg = index_chart(
        series=[
            Series("Health", [50, 52, 54, 56]),
            Series("Managing", [40, 42, 44, 46]),
            Series("Relationship", [60, 61, 62, 63]),
        ]
    )
    root = parse(svg)

    lines = root.findall(f"{SVG}polyline")
    assert [line.get("stroke") for line in lines] == list(PALETTE[:3])
    assert [line.get("stroke-dasharray") for line in lines] == [None, DASHES[1], DASHES[2]]
    assert MARKERS[:3] == ("circle", "square", "triangle")
    assert {c.get("fill") for c in root.findall(f"{SVG}circle")} == {PALETTE[0]}
    assert {r.get("fill") for r in root.findall(f"{SVG}rect")} == {PALETTE[1]}
    assert {p.get("fill") for p in root.findall(f"{SVG}polygon")} == {PALETTE[2]}
    legend = [t.text for t in root.findall(f"{SVG}text")]
    assert {"Health", "Managing", "Relationship"} <= set(legend)


def _contrast_on_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("colour", PALETTE)
def test_every_series_colour_is_okabe_ito_with_enough_contrast_on_white(colour):
    okabe_ito = {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert colour in okabe_ito
    assert _contrast_on_white(colour) >= 3.0


def test_a_chart_needs_no_inline_style_and_no_script():
    svg = index_chart() + bar_chart(
        chart_id="b", title="Bars", summary="S.", bars=[("A", 0.5), ("B", None)], x_max=1.0
    )

    assert "style=" not in svg
    assert "<script" not in svg
    assert not re.search(r"\son[a-z]+=", svg)


def test_names_are_escaped_so_text_cannot_become_markup():
    svg = index_chart(title='Index <b>&"', series=[Series("<script>x</script>", [1, 2, 3, 4])])

    root = parse(svg)
    assert root.find(f"{SVG}title").text == 'Index <b>&"'
    assert "<script>" not in svg


def test_too_many_series_are_refused():
    with pytest.raises(ValueError, match="1 to"):
        index_chart(series=[Series(str(n), [1, 2, 3, 4]) for n in range(len(PALETTE) + 1)])


def test_a_hidden_bar_reads_fewer_than_5_and_draws_nothing():
    root = parse(
        bar_chart(
            chart_id="chart-domains",
            title="Share of points by domain",
            summary="Mean share of points.",
            bars=[("Health", 0.41), ("Managing", None), ("Relationship", 0.33)],
            x_max=1.0,
            fmt=lambda v: f"{v * 100:.0f}%",
        )
    )

    bars = root.findall(f"{SVG}rect")
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert len(bars) == 2
    assert "fewer than 5" in texts
    assert {"41%", "33%"} <= set(texts)
    desc = root.find(f"{SVG}desc").text
    assert "Health 41%" in desc
    assert "Managing not shown" in desc
