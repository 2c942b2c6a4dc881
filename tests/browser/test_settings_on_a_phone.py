"""*My settings* on a phone, as a patient uses it: saved once unchanged (nothing is lost), once
with a mistake (said beside the field, everything typed and chosen kept), then in Dutch."""

import pytest
from django.urls import reverse

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_settings_survive_a_save_keep_a_mistake_and_switch_to_dutch(phone_page, patient):
    user = patient.user
    user.email, user.reminders_opt_out = "pat@example.org", True
    user.save()
    page = phone_page
    sign_in(page, user.username, PASSWORD)

    page.goto(reverse("portal:settings"))
    # Each language is a large target, as every other choice of the portal is.
    heights = page.evaluate(
        "[...document.querySelectorAll('input[name=language]')]"
        ".map(e => e.closest('label').getBoundingClientRect().height)"
    )
    assert len(heights) == 4
    assert min(heights) >= 44, heights
    page.get_by_role("button", name="Save my settings").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    user.refresh_from_db()
    assert (user.email, user.reminders_opt_out, user.language) == ("pat@example.org", True, "")

    page.get_by_label("Your email address").fill("margaret@")
    page.get_by_label("Nederlands", exact=True).check()
    page.get_by_role("button", name="Save my settings").click()
    expect(page.get_by_text("Write an email address like name@example.org.").first).to_be_visible()
    expect(page.get_by_label("Your email address")).to_have_value("margaret@")
    expect(page.get_by_label("Nederlands", exact=True)).to_be_checked()
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "settings with a mistake at 390 px")
    user.refresh_from_db()
    assert (user.email, user.language) == ("pat@example.org", "")

    page.get_by_label("Your email address").fill("margaret@example.org")
    page.get_by_role("button", name="Save my settings").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_text("Je instellingen zijn bewaard.")).to_be_visible()
    user.refresh_from_db()
    assert (user.email, user.language) == ("margaret@example.org", "nl")
