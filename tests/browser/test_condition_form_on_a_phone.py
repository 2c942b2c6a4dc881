"""A condition's form on the records page, on a 390 px phone: saved with two mistakes at once (a
date still to come and a stage beyond the condition's scale), both are said in the page's words,
at the top and beside their boxes, with what was typed kept, nothing saved, and nothing wider
than the screen. The form's condition list is read once for the page (``ConditionForm(codes=…)``)
and still offers every condition, the patient's own chosen."""

import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Condition
from patients.services import condition_record
from tests.browser.conftest import assert_refused, sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDER_THAN_THE_SCREEN = (
    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
)


def test_a_condition_saved_with_two_mistakes_on_a_phone_says_both_and_keeps_them(
    phone_page, clinician, patient
):
    condition = condition_record(
        patient=patient, snomed_code="49049000", onset=dt.date(2017, 5, 6), stage=2
    )
    sign_in(phone_page, "nurse", PASSWORD)
    phone_page.goto(reverse("clinic:records", args=[patient.pk]))
    form = phone_page.locator(
        "form",
        has=phone_page.get_by_role("button", name=f"Save {condition.code.display}", exact=True),
    )
    choices = phone_page.locator('select[name="new-condition-snomed_code"] option')
    expect(choices.filter(has_text="Parkinson")).to_have_count(1)
    form.get_by_label("Since").fill("2099-01-01")
    form.get_by_label("Stage (where the condition is staged)").fill("9")
    form.get_by_role("button", name=f"Save {condition.code.display}", exact=True).click()

    expect(phone_page.get_by_role("alert")).to_contain_text("please fix 2 things")
    assert_refused(phone_page, "“Since” must not be in the future.")
    assert_refused(
        phone_page,
        "“Stage (where the condition is staged)” must be between 1.0 and 5.0 (Hoehn and Yahr).",
    )
    expect(phone_page.locator(f"#id_condition-{condition.pk}-onset")).to_have_value("2099-01-01")
    expect(phone_page.locator(f"#id_condition-{condition.pk}-stage")).to_have_value("9")
    assert phone_page.evaluate(WIDER_THAN_THE_SCREEN) <= 0
    stored = Condition.objects.get(pk=condition.pk)
    assert (stored.onset, stored.stage) == (dt.date(2017, 5, 6), 2)
