"""A PHQ-2 asked in an encounter, as a clinician does it with the keyboard-reachable radio groups:
the answers are saved as entered on the patient's behalf and the record flags the positive
screen at the top."""

import pytest
from django.utils import timezone

from assessments.models import InstrumentResponse
from assessments.responses import team_instrument_offer
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_phq2_asked_in_an_encounter_is_saved_as_proxy_and_flags_the_record(
    page, clinician, patient, team
):
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    sign_in(page, "nurse", PASSWORD)
    page.goto(f"/clinic/patients/{patient.pk}/encounters/new/")

    page.locator("summary", has_text="(PHQ-2): the patient’s answers").click()
    first = page.get_by_role("group", name="PHQ-2 question 1: Little interest or pleasure")
    second = page.get_by_role("group", name="PHQ-2 question 2: Feeling down")
    first.get_by_label("2 (More than half the days)").check()
    second.get_by_label("3 (Nearly every day)").check()
    page.get_by_role("button", name="Save the encounter").click()

    expect(page.get_by_role("status")).to_contain_text("The encounter and everything in it")
    today = timezone.localdate()
    expect(page.get_by_role("note", name="Safety flag")).to_contain_text(
        f"PHQ-2 of {today.day} {today:%b %Y} was positive (score 5): consider a fuller assessment."
    )
    expect(page.get_by_role("table", name="PHQ-2: each time it was answered")).to_contain_text(
        "Entered on their behalf (proxy)"
    )
    saved = InstrumentResponse.objects.get(patient=patient)
    assert (saved.rater, saved.answers) == ("proxy", {"1": 2, "2": 3})
