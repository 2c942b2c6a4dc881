"""The comparison of teams on a phone (390 × 844), as a manager of three teams reads it: the page
never scrolls sideways, the funnel plot fits its box, the table is a labelled region the keyboard
reaches, and the quarter and figure choosers and the CSV link are all reached with Tab.

Every step waits for the page it asserts on (its heading, its address), never for time.
"""

import pytest
from django.urls import reverse

from indicators.comparisons import comparison_run_compute
from patients.models import User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.browser.test_tables_fit import assert_nothing_cut_off
from tests.conftest import PASSWORD
from tests.support.comparisons import PERIOD, comparison_installation, someone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE_WIDTH = 390

# The element that has the keyboard's focus, as a reader would name it.
FOCUSED = """() => {
  const e = document.activeElement;
  const box = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    text: (e.getAttribute('aria-label') || e.textContent || '').trim().replace(/\\s+/g, ' '),
    href: e.getAttribute('href') || '',
    left: box.left,
    right: box.right,
  };
}"""

# The plot and the box it is drawn in: the SVG must fit inside it and inside the screen.
PLOT = """() => {
  const svg = document.querySelector('figure.chart svg');
  const figure = svg.closest('figure');
  const s = svg.getBoundingClientRect(), f = figure.getBoundingClientRect();
  return {svg: [s.left, s.right, s.width, s.height], figure: [f.left, f.right, f.width]};
}"""

ROW_HEIGHTS = """() => [...document.querySelectorAll('.table-wrap tbody tr')]
  .map(row => row.getBoundingClientRect().height)"""


@pytest.fixture
def manager_of_three():
    teams = comparison_installation()
    comparison_run_compute(PERIOD)
    return someone(User.Role.MANAGER, teams["alder"], teams["birch"], teams["cedar"])


def tab_through(page, stops: int = 60) -> list[dict]:
    """Press Tab from the top of the page, noting each element that takes the focus."""
    page.locator("body").focus()
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body" or (seen and focused == seen[0]):
            break  # back round to the start
        seen.append(focused)
    return seen


def test_the_comparison_reads_on_a_phone_and_by_keyboard(phone_page, manager_of_three):
    page = phone_page
    sign_in(page, manager_of_three.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")

    page.goto(f"{reverse('dashboards:comparison')}?period={PERIOD}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Comparison of teams, {PERIOD}")
    expect(page.locator("figure.chart svg")).to_be_visible()

    # No sideways scrolling of the page; a table that must scroll is a labelled, focusable
    # region with a visible cue.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert_nothing_cut_off(page)
    plot = page.evaluate(PLOT)
    svg_left, svg_right, svg_width, svg_height = plot["svg"]
    figure_left, figure_right, _figure_width = plot["figure"]
    assert figure_left - 0.5 <= svg_left
    assert svg_right <= figure_right + 0.5
    assert svg_left >= 0
    assert svg_right <= PHONE_WIDTH
    assert svg_height == pytest.approx(svg_width * 360 / 640, abs=1)  # scaled, not cropped
    table = page.get_by_role(
        "region", name="Mean change in the patient-weighted index, team by team"
    )
    expect(table).to_have_attribute("tabindex", "0")
    expect(table.get_by_role("rowheader", name="Alder")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Where it lies")).to_be_attached()
    # Readable rows: no column squeezed to a word a line, so a team's row stays within a third
    # of the screen.
    heights = page.evaluate(ROW_HEIGHTS)
    assert len(heights) == 3
    assert max(heights) <= 844 / 3, heights

    stops = tab_through(page)

    names = [(stop["tag"], stop["id"] or stop["text"]) for stop in stops]
    assert ("select", "period") in names, names
    figure_links = [stop for stop in stops if "figure=" in stop["href"]]
    assert [stop["text"] for stop in figure_links] == [
        "Mean change in the patient-weighted index",
        "Share of patients improved",
        "Share of patients with a patient-initiated contact",
    ]
    csv = [stop for stop in stops if stop["href"].endswith(f"{PERIOD}.csv")]
    assert [stop["text"] for stop in csv] == ["Download the comparison (CSV)"]
    region = "Mean change in the patient-weighted index, team by team"
    assert region in [stop["text"] for stop in stops]
    for stop in stops:  # every stop on the screen, none off to the side
        assert stop["left"] >= -1
        assert stop["right"] <= PHONE_WIDTH + 1, stop
    assert_accessible(page, "comparison at 390 px")

    # A figure chosen by keyboard alone.
    page.get_by_role("link", name="Share of patients improved").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Share of patients improved")).to_be_visible()
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 1366])
def test_on_a_wide_screen_the_plot_is_drawn_wide_and_its_words_read_across(
    page, manager_of_three, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, manager_of_three.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
    page.goto(f"{reverse('dashboards:comparison')}?period={PERIOD}")
    expect(page.locator("figure.chart svg")).to_be_visible()
    plot = page.evaluate(PLOT)
    _left, _right, svg_width, _height = plot["svg"]
    # The plot gets room of its own (the eight-column table once squeezed it to a sliver) ...
    assert svg_width >= 500, plot
    # ... and its caption reads across, not a letter a line.
    caption = page.locator("figure.chart figcaption").bounding_box()
    assert caption["width"] >= 400, caption
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert_nothing_cut_off(page)
