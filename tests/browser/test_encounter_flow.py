"""The encounter form measured as a clinician uses it: how many submissions and interactions it
takes to log a consultation that was typed with five mistakes. Every problem is shown at once,
so it takes two submissions whatever the number of mistakes (it took one per mistake before)."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.services import goal_create
from patients.models import Encounter
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Counted:
    """The page's interactions as a person makes them: each click, fill, check or choice."""

    def __init__(self, page) -> None:
        self.page, self.interactions, self.submissions = page, 0, 0

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label).fill(value)
        self.interactions += 1

    def check(self, label: str) -> None:
        self.page.get_by_label(label).check()
        self.interactions += 1

    def open(self, summary: str) -> None:
        self.page.locator("summary", has_text=summary).click()
        self.interactions += 1

    def save(self) -> None:
        self.page.get_by_role("button", name="Save the encounter").click()
        self.interactions += 1
        self.submissions += 1


def test_an_encounter_typed_with_five_mistakes_is_saved_on_the_second_submission(
    page, clinician, patient
):
    goal_create(patient=patient, description="Walk to the shops", domain="H")
    sign_in(page, "nurse", PASSWORD)
    page.goto(f"/clinic/patients/{patient.pk}/encounters/new/")
    form = Counted(page)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    form.check("Phone")
    form.fill("Duration (minutes)", "0")  # mistake 1
    form.open("Ratings (0 = as bad")
    form.fill("Patient's answer: My test results are in the range we agreed", "12")  # 2
    form.open("Readings")
    form.fill("HbA1c (IFCC) (mmol/mol)", "900")  # 3
    form.open("A new goal")
    form.fill("What 'as expected' would look like", "Walks there and back")  # 4: no goal
    form.open("Something that happened")
    form.page.get_by_label("Something that happened:").select_option("new_job")
    form.interactions += 1
    form.fill("When it happened", tomorrow.isoformat())  # 5
    form.save()

    # The missing goal asks for its words and its domain: six messages for five mistakes.
    expect(page.get_by_role("alert")).to_contain_text("please fix 6 things")
    expect(page.locator("#error-summary li").first).to_contain_text("Duration (minutes)")
    expect(page.locator("#error-summary li").nth(1)).to_contain_text("Patient's answer")
    assert not Encounter.objects.exists()
    expect(page.get_by_label("HbA1c (IFCC) (mmol/mol)")).to_have_value("900")

    form.fill("Duration (minutes)", "15")
    form.fill("Patient's answer: My test results are in the range we agreed", "7")
    form.fill("HbA1c (IFCC) (mmol/mol)", "54")
    form.fill("New goal, in the patient's words", "Walk to the park")
    form.page.get_by_label("Domain of the new goal").select_option("H")
    form.interactions += 1
    form.fill("When it happened", yesterday.isoformat())
    form.save()

    expect(page.get_by_role("status")).to_contain_text("The encounter and everything in it")
    assert Encounter.objects.filter(patient=patient).count() == 1
    assert form.submissions == 2
    print(
        f"\nEncounter with five mistakes: {form.submissions} submissions, "
        f"{form.interactions} interactions (one submission per mistake before: 6)"
    )


TOO_WIDE = """[...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.table-wrap'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className)
    .slice(0, 8)"""


def test_on_a_phone_an_encounter_with_mistakes_keeps_what_was_typed_and_fits_the_screen(
    phone_page, clinician, patient
):
    page = phone_page
    sign_in(page, "nurse", PASSWORD)
    page.goto(f"/clinic/patients/{patient.pk}/encounters/new/")
    page.get_by_label("Phone").check()
    page.get_by_label("Duration (minutes)").fill("0")  # a mistake
    page.locator("summary", has_text="Ratings (0 = as bad").click()
    answer = "Patient's answer: My test results are in the range we agreed"
    page.get_by_label(answer).fill("12")  # a mistake
    page.get_by_label("Patient's answer: My symptoms are under control").fill("6")  # right
    page.locator("summary", has_text="Readings").click()
    page.get_by_label("HbA1c (IFCC) (mmol/mol)").fill("54")  # right
    page.get_by_role("button", name="Save the encounter").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("please fix 2 things")
    expect(page.locator("#error-summary li").first).to_contain_text("Duration (minutes)")
    expect(page.locator("#error-summary li").nth(1)).to_contain_text("Patient's answer")
    assert not Encounter.objects.exists()
    # What was right is still there; what was wrong is shown as typed, to be corrected.
    expect(page.get_by_label("Phone")).to_be_checked()
    expect(page.get_by_label("Patient's answer: My symptoms are under control")).to_have_value("6")
    expect(page.get_by_label("HbA1c (IFCC) (mmol/mol)")).to_have_value("54")
    expect(page.get_by_label(answer)).to_have_value("12")
    # The list of problems is on the screen, and each links to its field.
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert summary.bounding_box()["width"] <= 390
    page.locator("#error-summary a", has_text="Duration (minutes)").click()
    expect(page.get_by_label("Duration (minutes)")).to_be_focused()
    assert page.evaluate(TOO_WIDE) == []
    assert_accessible(page, "encounter form with mistakes at 390 px")

    page.get_by_label("Duration (minutes)").fill("15")
    page.get_by_label(answer).fill("7")
    page.get_by_role("button", name="Save the encounter").click()
    expect(page.get_by_role("status")).to_contain_text("The encounter and everything in it")
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.duration_minutes == 15
    assert sorted(encounter.ratings.values_list("value", flat=True)) == [6, 7]
