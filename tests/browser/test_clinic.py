"""A clinician, in a real browser: find a patient, log an encounter, see it on the record."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.services import goal_create, priorities_set
from indicators.models import PatientSummary
from indicators.scoring import period_of
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def goal(patient):
    priorities_set(patient=patient, effective_from=dt.date(2026, 1, 5), points={"H1": 50, "M2": 50})
    return goal_create(
        patient=patient,
        description="Walk to the shops without stopping",
        domain="H",
        baseline_on=dt.date(2026, 1, 5),
    )


def test_a_clinician_logs_an_encounter_and_sees_it_on_the_record(page, clinician, patient, goal):
    sign_in(page, "nurse", PASSWORD)
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_label("Find a patient by name").fill("Pat")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Pat P.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pat P.")

    page.get_by_role("link", name="Log an encounter").click()
    page.get_by_label("Phone").check()
    page.get_by_label("Duration (minutes)").fill("12")
    page.get_by_label("Goal setting").check()
    page.get_by_text("Ratings (0 = as bad").click()
    page.get_by_label("Patient's answer: My test results are in the range we agreed").fill("12")
    page.get_by_label("Patient's answer: Feeling ready and sure I can look after myself").fill("6")
    page.get_by_text("Readings", exact=True).click()
    page.get_by_label("HbA1c (IFCC) (mmol/mol)").fill("54")
    page.get_by_text("Goal reviews").click()
    page.get_by_label("How is it going: Walk to the shops without stopping").select_option("1")
    page.get_by_role("button", name="Save the encounter").click()

    # A bad value: nothing saved, the typed values kept, the error next to the field.
    expect(page.get_by_role("alert")).to_contain_text("please fix 1 thing")
    field = page.get_by_label("Patient's answer: My test results are in the range we agreed")
    expect(field).to_have_value("12")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("HbA1c (IFCC) (mmol/mol)")).to_have_value("54")
    assert not patient.encounters.exists()

    field.fill("8")
    page.get_by_role("button", name="Save the encounter").click()

    expect(page.get_by_role("status")).to_contain_text(
        "The encounter and everything in it are saved."
    )
    expect(page.locator("#encounters ~ .table-wrap")).to_contain_text("Goal setting")
    expect(page.locator("#goals ~ ul")).to_contain_text("a bit more than expected (+1)")
    summary = PatientSummary.objects.get(patient=patient, period=period_of(timezone.localdate()))
    assert summary.index == pytest.approx(70.0)  # H1 8 and M2 6, equal points
    expect(page.locator("main")).to_contain_text("54 on")


def test_a_clinician_cannot_open_a_patient_of_another_team(page, clinician, other_patient):
    sign_in(page, "nurse", PASSWORD)
    response = page.goto(f"/clinic/patients/{other_patient.pk}/")
    assert response.status == 404
    assert "Olive O." not in page.content()


def test_clinician_pages_have_no_serious_accessibility_problems(page, clinician, patient, goal):
    from tests.browser.axe import assert_accessible

    sign_in(page, "nurse", PASSWORD)
    for path in [
        "/clinic/",
        f"/clinic/patients/{patient.pk}/",
        f"/clinic/patients/{patient.pk}/encounters/new/",
        f"/clinic/patients/{patient.pk}/records/",
        f"/clinic/patients/{patient.pk}/sign-in-help/",
        f"/clinic/patients/{patient.pk}/sign-in-letter/",
    ]:
        page.goto(path)
        assert_accessible(page, path)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/clinic/patients/{patient.pk}/")
    assert_accessible(page, "record at 320 px")
    # Nothing wider than the screen but tables, which scroll in their own region.
    too_wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table-wrap'))
            .filter(e => e.getBoundingClientRect().right
                         > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + '.' + e.className)
            .slice(0, 8)"""
    )
    assert too_wide == []
