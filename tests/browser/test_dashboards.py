"""A service manager uses the dashboards in a real browser: overview, trends, quarters, CSV.

Every step waits for the page it asserts on with Playwright's ``expect`` on a locator of the
destination (its heading, its address), never for time, and nothing is read or evaluated on a
page that may still be navigating: a click starts a navigation that ``inner_text`` or
``evaluate`` would otherwise race.
"""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from assessments.services import rating_record
from indicators.dashboard import format_index
from indicators.models import TeamSummary
from indicators.services import summaries_rebuild_all
from patients.models import AuditEvent
from patients.services import encounter_record
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import PatientFactory
from tests.support.freshness import refreshes_held

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BEFORE, AFTER = dt.date(2025, 8, 12), dt.date(2025, 11, 12)


@pytest.fixture
def team_with_history(team, clinician):
    """Seven patients of the team rated in two quarters, seen by the team's clinician."""
    people = []
    with refreshes_held():  # the rebuild below stores every figure once
        for n, (before, after) in enumerate(
            [(4, 6), (5, 9), (6, 6), (7, 8), (3, 7), (8, 4), (5, 5)]
        ):
            person = PatientFactory(teams=[team], display_name=f"Quinn Zephyr {n}")
            for key in ("H2", "M2", "R4"):
                rating_record(
                    patient=person, element=key, value=before, rated_on=BEFORE, rater="patient"
                )
                rating_record(
                    patient=person, element=key, value=after, rated_on=AFTER, rater="patient"
                )
            encounter_record(
                patient=person,
                clinician=clinician,
                occurred_at=dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC),
                mode="video",
                initiated_by="patient",
                duration_minutes=15,
                note="Staff-only: worried about her daughter",
            )
            people.append(person)
    summaries_rebuild_all()
    return people


def click_and_download(page, link: str) -> list[str]:
    """Click a link that downloads a file; the file's suggested name and its text.

    Playwright's download is caught with a context manager, which has to run where the browser
    does: in the browser thread when the page is proxied (tests/browser/remote.py).
    """

    def run(target) -> list[str]:
        with target.expect_download() as caught:
            target.get_by_role("link", name=link).click()
        download = caught.value
        return [download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")]

    try:
        owner = object.__getattribute__(page, "_owner")
    except AttributeError:
        return run(page)
    return owner.call(run, page)


def signed_in_as_manager(page) -> None:
    """Sign in and wait for the dashboards, where a manager lands, so the next navigation cannot
    cut the sign-in short."""
    sign_in(page, "manager", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")


def heading(page):
    return page.get_by_role("heading", level=1)


def overflow(page) -> int:
    """How far the page reaches past the right edge of the screen, in CSS pixels, once
    the page has loaded: measured while a page reached by a click is still arriving, the layout
    is that of half a page, or of one its style sheets have not reached yet."""
    page.wait_for_load_state()
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def median_shown(team, period: str) -> str:
    return format_index(
        TeamSummary.objects.get(team=team, period=period).figures["index"]["median"]
    )


def test_a_manager_reads_the_dashboards_switches_quarter_and_downloads_the_csv(
    page, team, manager, team_with_history
):
    signed_in_as_manager(page)
    page.get_by_role("link", name="Riverside Practice").first.click()

    expect(heading(page)).to_have_text("Riverside Practice: overview, 2025Q4")
    headline = page.locator(".figure-headline")
    expect(headline).to_contain_text("Patient-weighted index")
    expect(headline.locator(".figure-value")).to_contain_text(median_shown(team, "2025Q4"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trends").click()
    expect(heading(page)).to_have_text(re.compile(r"^Riverside Practice: trends"))
    expect(page.locator('svg[role="img"]')).to_have_count(9)
    index_table = page.locator(
        "section", has=page.get_by_role("heading", name="Patient-weighted index")
    )
    expect(index_table.locator("tbody tr").last).to_contain_text(median_shown(team, "2025Q4"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(heading(page)).to_have_text("Riverside Practice: overview, 2025Q4")
    page.get_by_label("Quarter", exact=True).select_option("2025Q3")
    page.get_by_role("button", name="Show quarter").click()
    expect(page).to_have_url(re.compile(r"period=2025Q3"))
    expect(heading(page)).to_have_text("Riverside Practice: overview, 2025Q3")
    expect(page.locator(".figure-headline .figure-value")).to_contain_text(
        median_shown(team, "2025Q3")
    )

    filename, text = click_and_download(page, "Download these figures (CSV)")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert filename == f"team-{team.pk}-2025Q3.csv"
    [index] = [
        r
        for r in rows
        if r["quarter"] == "2025Q3"
        and r["figure"] == "Patient-weighted index"
        and r["statistic"] == "median"
    ]
    assert format_index(float(index["value"])) == median_shown(team, "2025Q3")
    assert "Zephyr" not in text
    assert "Staff-only" not in text
    assert not any(r["figure"] == str(p.pk) for r in rows for p in team_with_history)
    assert AuditEvent.objects.filter(
        actor=manager, action="export", what="team dashboard CSV Riverside Practice 2025Q3"
    ).exists()


def test_a_manager_is_refused_patient_pages(page, manager, team_with_history):
    signed_in_as_manager(page)
    someone = team_with_history[0]

    record = page.goto(someone.get_absolute_url())
    api = page.goto(f"/api/v1/patients/{someone.pk}/")

    assert record.status == 404
    assert api.status == 404
    assert "Zephyr" not in page.content()


def test_the_overview_fits_a_phone_screen(phone_page, manager, team_with_history):
    signed_in_as_manager(phone_page)
    phone_page.goto("/dashboards/")
    phone_page.get_by_role("link", name="Riverside Practice").first.click()

    expect(heading(phone_page)).to_have_text("Riverside Practice: overview, 2025Q4")
    expect(phone_page.locator(".figure-headline")).to_be_visible()
    assert overflow(phone_page) <= 0


def test_a_clinician_reads_their_own_caseload_on_a_phone_and_switches_quarter(
    phone_page, clinician, team_with_history
):
    sign_in(phone_page, "nurse", PASSWORD)
    phone_page.goto("/dashboards/my-caseload/")

    expect(heading(phone_page)).to_have_text("My caseload, 2025Q4")
    charts = phone_page.locator('section.trend svg[role="img"]')
    expect(charts).to_have_count(9)
    assert overflow(phone_page) <= 0

    phone_page.reload()  # the charts now come from the kept block: the same nine
    expect(heading(phone_page)).to_have_text("My caseload, 2025Q4")
    expect(charts).to_have_count(9)

    phone_page.get_by_label("Quarter", exact=True).select_option("2025Q3")
    phone_page.get_by_role("button", name="Show quarter").click()
    expect(phone_page).to_have_url(re.compile(r"period=2025Q3"))
    expect(heading(phone_page)).to_have_text("My caseload, 2025Q3")
    expect(phone_page.get_by_label("Quarter", exact=True)).to_have_value("2025Q3")
    assert overflow(phone_page) <= 0
    assert "Zephyr" not in phone_page.content()
