"""A questionnaire from the care team on a phone: a patient with a PHQ-2 due opens the portal,
follows the link, answers the first question with a tap and the second with the keyboard, and
sees the thank-you with where to get help now, then the result in words on *My progress*; nothing
off-screen and no serious accessibility violation on the way."""

import pytest
from django.urls import reverse

from assessments.models import InstrumentResponse
from assessments.responses import team_instrument_offer
from tests.browser.axe import assert_accessible
from tests.browser.conftest import assert_refused, sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEAM_HELP = "Ring the Riverside duty nurse on 01632 960 123, 8am to 6pm."


def page_overflow(page) -> int:
    """How far the page reaches past the right edge of the screen, in CSS pixels, once
    the page has loaded: measured while a page reached by a click is still arriving, the layout
    is that of half a page, or of one its style sheets have not reached yet."""
    page.wait_for_load_state()
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_patient_answers_a_due_phq2_on_a_phone(phone_page, patient, team):
    page = phone_page
    team.help_now = TEAM_HELP
    team.save()
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    patient.user.set_password(PASSWORD)
    patient.user.save()

    sign_in(page, patient.user.username, PASSWORD)
    page.goto(reverse("portal:home"))
    link = page.get_by_role(
        "link",
        name="A few short questions from your care team: Patient Health Questionnaire-2 (PHQ-2)",
    )
    expect(link).to_be_visible()
    assert_accessible(page, "home with a questionnaire due")

    link.tap()
    question = page.get_by_role("heading", level=1)
    expect(question).to_have_text("Little interest or pleasure in doing things")
    expect(page.get_by_text("question 1 of 2")).to_be_visible()
    expect(page.get_by_text("No permission required to reproduce")).to_be_visible()
    assert page_overflow(page) <= 0
    assert_accessible(page, "PHQ-2 question 1")

    # Saving without an answer is refused beside the question, with nothing saved.
    page.get_by_role("button", name="Save and go on").tap()
    assert_refused(page, "Choose one of the answers, or press Skip this question.")
    assert not InstrumentResponse.objects.exists()
    assert_accessible(page, "PHQ-2 question 1, refused")

    # The first by a tap on the whole row.
    page.get_by_label("More than half the days").tap()
    expect(page.get_by_label("More than half the days")).to_be_checked()
    page.get_by_role("button", name="Save and go on").tap()
    expect(question).to_have_text("Feeling down, depressed, or hopeless")
    expect(page.get_by_text("question 2 of 2")).to_be_visible()

    # The second by keyboard: focus the first answer, arrow down to the second, Enter submits;
    # once the page has all arrived, since the keys go to whatever it has by then.
    page.wait_for_load_state()
    page.get_by_label("Not at all").focus()
    expect(page.get_by_label("Not at all")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Several days")).to_be_checked()
    page.keyboard.press("Enter")

    expect(question).to_have_text("Thank you")
    expect(page.get_by_text(TEAM_HELP)).to_be_visible()
    assert page_overflow(page) <= 0
    assert_accessible(page, "thank you, with help now")
    saved = InstrumentResponse.objects.get(patient=patient)
    assert saved.answers == {"1": 2, "2": 1}
    assert saved.scores == {"score": 3, "positive": True}

    page.get_by_role("link", name="Back to my pages").first.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Pat")
    expect(page.get_by_text("A few short questions from your care team")).to_have_count(0)

    page.get_by_role("link", name="My progress").tap()
    expect(page.get_by_text("Low mood and little interest: 3 out of 6")).to_be_visible()
    expect(page.locator("#chart-phq2")).to_be_visible()
    assert page_overflow(page) <= 0
    assert_accessible(page, "my progress with a questionnaire")
