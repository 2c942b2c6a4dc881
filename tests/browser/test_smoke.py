"""The browser set-up itself: Chromium starts headless, signs in and lands on the caseload."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_clinician_signs_in_through_a_real_browser_and_lands_on_the_caseload(
    page, clinician, patient
):
    sign_in(page, "nurse", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    expect(page.get_by_role("link", name="Pat P.")).to_be_visible()
