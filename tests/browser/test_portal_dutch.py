"""The patient's walk-through once in Dutch: a browser that asks for Dutch gets the sign-in page
and the portal in Dutch (the page's lang attribute too), an answer is saved as in English, and
the sentences the page's script writes as points move are Dutch too."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Rating
from assessments.services import priorities_set
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


def sign_in_in_dutch(page, patient) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label("Gebruikersnaam").fill(patient.user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(SIGNED_IN)


def test_a_patient_rates_one_thing_in_dutch_on_a_phone(dutch_phone, patient):
    page = dutch_phone
    sign_in_in_dutch(page, patient)

    page.goto(reverse("portal:ratings"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("link", name=re.compile("Antwoord geven")).first.click()
    expect(page.get_by_text("Hoe gaat dit nu voor jou?")).to_be_visible()
    assert_accessible(page, "a question in Dutch")
    page.get_by_label("7", exact=True).check()
    expect(page.locator(".step-count")).to_have_text(re.compile(r"^Vraag 1 van \d+$"))
    page.get_by_role("button", name="Opslaan en verder").click()

    # Saved and on to the next question, still in Dutch.
    expect(page.locator(".step-count")).to_have_text(re.compile(r"^Vraag 2 van \d+$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    rating = Rating.objects.get(patient=patient)
    assert (rating.value, rating.rater) == (7, "patient")


def test_the_points_sentences_the_script_writes_are_dutch(dutch_phone, patient):
    priorities_set(
        patient=patient, effective_from=timezone.localdate(), points={"H2": 60, "M2": 40}
    )
    page = dutch_phone
    sign_in_in_dutch(page, patient)
    page.goto(reverse("portal:priorities"))
    summary = page.locator("[data-points-summary]")
    note = page.locator("[data-points-note]")
    expect(summary).to_have_text("Je hebt alle 100 punten verdeeld.")

    inputs = page.locator(".points-input")
    first, second = inputs.nth(0), inputs.nth(1)
    first_wording = first.get_attribute("data-wording")
    second_wording = second.get_attribute("data-wording")
    first_points = int(first.input_value())
    more, fewer = (first, second) if first_points > int(second.input_value()) else (second, first)
    more_wording, fewer_wording = (
        (first_wording, second_wording) if more == first else (second_wording, first_wording)
    )
    page.locator(f'[data-step-for="{fewer.get_attribute("id")}"][data-step-by="5"]').click()
    expect(note).to_have_text(
        f"Er waren geen punten meer over. Dus namen we er 5 van “{more_wording}”. "
        f"Die gaven we aan “{fewer_wording}”."
    )
    expect(summary).to_have_text("Je hebt alle 100 punten verdeeld.")

    minus = page.locator(f'[data-step-for="{more.get_attribute("id")}"][data-step-by="-5"]')
    minus.click()
    minus.click()
    expect(summary).to_have_text("Je hebt 90 van de 100 punten verdeeld. Er zijn er nog 10 over.")
    expect(summary.locator("strong")).to_have_text(["90", "10"])
    expect(note).to_have_text("")

    more.fill("0")
    minus.click()
    expect(note).to_have_text(f"“{more_wording}” heeft geen punten om weg te halen.")

    more.fill("100")
    expect(summary).to_have_text(
        "Je hebt 145 punten verdeeld. Dat zijn er 45 te veel. Haal er wat weg."
    )
    assert "You have" not in (summary.text_content() or "")
