"""The browser set-up itself: Chromium starts headless, signs in and sees the landing page."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_clinician_signs_in_through_a_real_browser(page, clinician, patient):
    sign_in(page, "nurse", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Nia"
    assert "1 patient in your teams" in page.content()
