"""Tables that were cut off: the patient's scores on a 390 px phone and the manager's caseloads at
1366 px. Nothing needed is off-screen: the page never scrolls sideways, and a region that still
scrolls is a focusable, labelled region with a visible cue that there is more."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import priorities_set, rating_record
from indicators.services import summaries_rebuild_all
from patients.models import Membership, User
from patients.services import encounter_record
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, PatientFactory, UserFactory
from tests.support.freshness import refreshes_held

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every element of the main content that is wider inside than it shows, and what it offers the
# reader: a region they can reach by keyboard, a name for it, and a visible cue. (Words hidden
# for screen readers only are clipped to 1 px on purpose.)
CUT_OFF = """() => [...document.querySelectorAll('main *')]
  .filter(e => !e.closest('.visually-hidden'))
  .filter(e => e.scrollWidth > e.clientWidth + 1
               && ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX))
  .map(e => {
    const cue = e.querySelector('.scroll-cue') || e.parentElement.querySelector('.scroll-cue');
    return {
      element: e.tagName + '.' + e.className,
      widths: [e.scrollWidth, e.clientWidth],
      heading: e.closest('section')?.querySelector('h2, h3')?.textContent,
      region: e.getAttribute('role') === 'region',
      focusable: e.tabIndex >= 0,
      labelled: Boolean(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')),
      cue: Boolean(cue && cue.checkVisibility()),
    };
  })"""


def page_overflow(page) -> int:
    """How far the page reaches past the right edge of the screen, in CSS pixels."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def assert_nothing_cut_off(page) -> list[dict]:
    assert page_overflow(page) <= 0, page.url
    scrolling = page.evaluate(CUT_OFF)
    for region in scrolling:
        assert region["region"], (page.url, region)
        assert region["focusable"], (page.url, region)
        assert region["labelled"], (page.url, region)
        assert region["cue"], (page.url, region)
    return scrolling


def colleague(team, first: str, last: str) -> User:
    user = UserFactory(first_name=first, last_name=last, role=User.Role.CLINICIAN)
    MembershipFactory(user=user, team=team, role=Membership.Role.CLINICIAN)
    return user


def rate(person, values: dict[str, int], on: dt.date) -> None:
    for key, value in values.items():
        rating_record(patient=person, element=key, value=value, rated_on=on, rater="patient")


@pytest.fixture
def team_of_caseloads(team):
    """Three clinicians with long names: one caseload with every figure, one with figures
    hidden and one seen for the first time this quarter (no earlier quarter to compare)."""
    before, after = dt.date(2025, 8, 12), dt.date(2025, 11, 12)
    plans = [
        ("Oluwaseun", "Adebayo-Richardson", [(5, 9)] * 6 + [(5, 5)] * 6 + [(8, 2)] * 6),
        ("Maximiliana", "Fitzgerald-Whitworth", [(5, 9)] * 5 + [(5, 5)] * 4),
        ("Bartholomew", "Vandersteen", [(None, 6)] * 7),
    ]
    with refreshes_held():  # the rebuild below stores every figure once
        for first, last, people in plans:
            clinician = colleague(team, first, last)
            for before_value, after_value in people:
                person = PatientFactory(teams=[team])
                if before_value is not None:
                    rate(person, {"H1": before_value, "M1": before_value, "R1": 5}, before)
                rate(person, {"H1": after_value, "M1": after_value, "R1": 7}, after)
                encounter_record(
                    patient=person,
                    clinician=clinician,
                    occurred_at=dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC),
                    mode="phone",
                    initiated_by="patient",
                    duration_minutes=10,
                )
    summaries_rebuild_all()


def test_the_caseloads_fit_a_1366_pixel_screen(page, manager, team, team_of_caseloads):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "manager", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")

    page.goto(reverse("dashboards:team_caseloads", args=[team.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Riverside Practice: caseloads, 2025Q4"
    )

    assert assert_nothing_cut_off(page) == []
    caseloads = page.locator(".caseload")
    expect(caseloads).to_have_count(3)
    for n in range(3):
        box = caseloads.nth(n).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 1366
    expect(caseloads.nth(1)).to_contain_text("hidden")
    expect(caseloads.nth(0)).to_contain_text("no earlier quarter")  # Bartholomew: alphabetical
    assert_accessible(page, "caseloads at 1366 px")


@pytest.fixture
def patient_with_a_year_of_scores(patient):
    """Scores in five quarters, so the page shows a year and an earlier one."""
    today = timezone.localdate()
    priorities_set(
        patient=patient, effective_from=today - dt.timedelta(days=500), points={"H1": 60, "M2": 40}
    )
    for n in range(5):
        rate(patient, {"H1": 4 + n, "M2": 8 - n, "R1": 6}, today - dt.timedelta(days=92 * n))
    summaries_rebuild_all()
    return patient


def test_the_progress_scores_fit_a_phone(phone_page, patient_with_a_year_of_scores):
    page = phone_page
    sign_in(page, "pat", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Pat")

    page.goto(reverse("portal:progress"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")

    expect(page.get_by_role("heading", name="Your scores over the last year")).to_be_visible()
    assert assert_nothing_cut_off(page) == []
    quarters = page.locator(".score-quarter")
    expect(quarters.first).to_be_visible()
    for n in range(quarters.count()):
        if not quarters.nth(n).is_visible():
            continue  # the earlier year, folded away until opened
        box = quarters.nth(n).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    page.get_by_text("Earlier scores").click()
    expect(quarters.last).to_be_visible()
    assert assert_nothing_cut_off(page) == []
    assert_accessible(page, "progress at 390 px")


@pytest.mark.parametrize("width", [1366, 390])
def test_no_dashboard_page_cuts_a_table_off_without_a_cue(
    page, manager, team, team_of_caseloads, width
):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "manager", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")

    for name in ("overview", "trends", "what_matters", "context", "caseloads", "instruments"):
        page.goto(reverse(f"dashboards:team_{name}", args=[team.pk]))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside Practice")
        scrolling = assert_nothing_cut_off(page)
        if width == 1366:
            assert scrolling == [], name  # on a laptop every table fits
