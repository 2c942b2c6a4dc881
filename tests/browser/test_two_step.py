"""Two-step sign-in in a real browser: a clinician turns it on, signs out, and signs back in with
a code, on pages that pass the automated accessibility check."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.support.two_step import code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_clinician_turns_on_two_step_and_signs_in_with_a_code(page, clinician):
    sign_in(page, "nurse", PASSWORD)
    page.get_by_role("link", name="Turn on two-step sign-in").click()
    page.wait_for_load_state()
    assert_accessible(page, "two-step set-up")
    assert page.locator(".qr-code svg").count() == 1

    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    typed_key = page.locator("code.secret").inner_text().replace(" ", "")
    assert typed_key in device.config_url
    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.wait_for_load_state()
    assert "Two-step sign-in is on." in page.content()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # as if the next 30 s had come
    sign_in(page, "nurse", PASSWORD)
    assert page.url.split("?")[0].endswith("/accounts/two-step/code/")
    page.get_by_label("6-digit code").fill("12")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert_accessible(page, "code page with an error")
    assert "Enter the 6-digit code from your app." in page.locator(".field-error").inner_text()

    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    page.goto("/clinic/")
    assert page.get_by_role("heading", level=1).inner_text() == "Caseload"
