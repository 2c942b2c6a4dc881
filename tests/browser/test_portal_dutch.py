"""The patient's walk-through once in Dutch: a browser that asks for Dutch gets the sign-in page
and the portal in Dutch (the page's lang attribute too), and an answer is saved as in English."""

import re

import pytest
from django.urls import reverse

from assessments.models import Rating
from tests.browser.axe import assert_accessible
from tests.browser.conftest import SIGNED_IN
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def dutch_phone(browser, live_server):
    """A phone whose browser asks for Dutch (Accept-Language: nl)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        locale="nl-NL",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_patient_rates_one_thing_in_dutch_on_a_phone(dutch_phone, patient):
    page = dutch_phone
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label("Gebruikersnaam").fill(patient.user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(SIGNED_IN)

    page.goto(reverse("portal:ratings"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("link", name=re.compile("Antwoord geven")).first.click()
    expect(page.get_by_text("Hoe gaat dit nu voor jou?")).to_be_visible()
    assert_accessible(page, "a question in Dutch")
    page.get_by_label("7", exact=True).check()
    page.get_by_role("button", name="Opslaan en verder").click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    rating = Rating.objects.get(patient=patient)
    assert (rating.value, rating.rater) == (7, "patient")
