"""One very long word in anything people type (a name, a goal, a note, an agenda, their own
item) wraps inside the page: neither the clinician's nor the patient's pages grow wider than the
screen, on a desktop or a phone."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import goal_create, personal_item_create
from patients.services import agenda_write, context_event_record, encounter_record
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORD = "Supercalifragilistic" * 10  # 200 letters, no space to break at


@pytest.fixture
def long_words(patient, clinician):
    patient.display_name = "Pat " + WORD[:110]
    patient.save()
    goal_create(patient=patient, description=WORD, expected_outcome=WORD, domain="H")
    personal_item_create(patient=patient, label=WORD[:199], domain="M")
    encounter_record(
        patient=patient,
        clinician=clinician,
        occurred_at=timezone.now() - dt.timedelta(days=1),
        mode="phone",
        initiated_by="patient",
        duration_minutes=10,
        note=WORD,
    )
    agenda_write(patient=patient, questions=WORD, hard=WORD)
    context_event_record(patient=patient, kind="other", occurred_on=timezone.localdate(), note=WORD)
    return patient


def overflow(page) -> int:
    """How far the page reaches past the right edge of the screen, in CSS pixels."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_the_clinicians_pages_keep_a_long_word_within_the_screen(
    page, clinician, long_words, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "nurse", PASSWORD)
    for path in (
        reverse("clinic:caseload"),
        reverse("clinic:patient", args=[long_words.pk]),
        reverse("clinic:encounter-new", args=[long_words.pk]),
        reverse("clinic:records", args=[long_words.pk]),
    ):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        assert overflow(page) <= 0, (path, width)


def test_the_patients_pages_keep_a_long_word_within_a_phone_screen(phone_page, long_words):
    page = phone_page
    sign_in(page, "pat", PASSWORD)
    for name in ("home", "priorities", "ratings", "goals", "agenda", "progress"):
        page.goto(reverse(f"portal:{name}"))
        expect(page.locator("main h1")).to_be_visible()
        assert overflow(page) <= 0, name
