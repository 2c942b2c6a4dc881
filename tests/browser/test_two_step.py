"""Two-step sign-in in a real browser, on pages that pass the automated accessibility check: an
administrator sets it up through the link e-mailed to them, keeps the recovery codes shown once
and later signs in with one; a clinician turns it on and signs in with a code from the app."""

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.support.two_step import code_now, link_in, set_up_approved

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def heading(page):
    return page.get_by_role("heading", level=1)


def test_an_administrator_sets_up_two_step_by_email_and_later_uses_a_recovery_code(
    page, admin_user
):
    admin_user.email, admin_user.first_name = "ada@example.org", "Ada"
    admin_user.save(update_fields=["email", "first_name"])
    sign_in(page, "admin", PASSWORD)
    expect(heading(page)).to_have_text("Two-step sign-in")
    expect(page.get_by_text("Administrators must use two-step sign-in.")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_have_count(0)  # the password alone shows no key
    assert_accessible(page, "two-step: first, show it is you")

    page.get_by_role("button", name="Email me a set-up link").click()
    expect(page.get_by_text("We have sent a set-up link to a•••@example.org.")).to_be_visible()
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]

    page.goto(link_in(message))
    expect(page.locator(".qr-code svg")).to_have_count(1)
    assert page.url.endswith("/accounts/two-step/")  # the token left the address bar
    assert_accessible(page, "two-step set-up")
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    typed_key = page.locator("code.secret").inner_text().replace(" ", "")
    assert typed_key in device.config_url
    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    expect(heading(page)).to_have_text("Your recovery codes")
    assert_accessible(page, "recovery codes, shown once")
    shown = page.locator("ol.recovery-codes code")
    expect(shown).to_have_count(10)  # read the list once it is all there
    codes = shown.all_inner_texts()
    assert len(set(codes)) == 10
    page.get_by_role("link", name="I have saved my codes: continue").click()
    page.wait_for_url("**/admin/")  # an administrator lands on the admin site
    page.goto("/accounts/two-step/")
    expect(page.get_by_text("You have 10 recovery codes left.")).to_be_visible()
    assert not any(code in page.content() for code in codes)

    page.get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")
    sign_in(page, "admin", PASSWORD)
    expect(heading(page)).to_have_text("Enter your code")
    page.get_by_role("link", name="Use a recovery code").click()
    expect(heading(page)).to_have_text("Use a recovery code")
    page.get_by_label("Recovery code").fill("not-a-code")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error")).to_contain_text(
        "Enter a recovery code: 10 letters and numbers, like abcde-23456."
    )
    assert_accessible(page, "recovery code page with an error")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("You signed in with a recovery code. You have 9 left.")).to_be_visible()
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Framework, teams and users")).to_be_visible()
    assert [m.subject for m in mail.outbox[1:]] == [
        "Two-step sign-in was set up on your SSM Outcomes account",
        "A recovery code was used to sign in to your SSM Outcomes account",
    ]


def test_a_clinician_turns_on_two_step_and_signs_in_with_a_code(page, clinician):
    set_up_approved(clinician)  # clinician has no email address: an administrator approved it
    sign_in(page, "nurse", PASSWORD)
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Turn on two-step sign-in").click()
    expect(page.locator(".qr-code svg")).to_have_count(1)
    assert_accessible(page, "two-step set-up")

    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(heading(page)).to_have_text("Your recovery codes")
    expect(page.locator("p.lead")).to_contain_text("Two-step sign-in is on.")

    page.get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # as if the next 30 s had come
    sign_in(page, "nurse", PASSWORD)
    assert page.url.split("?")[0].endswith("/accounts/two-step/code/")
    page.get_by_label("6-digit code").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error")).to_contain_text("Enter the 6-digit code from your app.")
    assert_accessible(page, "code page with an error")

    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Caseload")
