"""The patient portal in headless Chromium at phone width: from an invitation to a changed progress
chart, never another patient's pages, and no serious accessibility violation on any page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import GoalReview, PrioritySet, Rating
from assessments.services import personal_item_create, priorities_set, rating_record
from indicators.services import summaries_rebuild_all
from patients.models import Agenda, AuditEvent, Invitation
from patients.services import invitation_create
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory, EncounterFactory, GoalFactory, PatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "blue kettle on the windowsill"


def last_season() -> dt.date:
    """A day in an earlier quarter than today's (a quarter is at most 92 days long)."""
    return timezone.localdate() - dt.timedelta(days=120)


@pytest.fixture
def newcomer(team, clinician):
    """A patient with no login yet, whose answers last season were entered by their nurse."""
    person = PatientFactory(display_name="Margaret H.", teams=[team])
    for key in ("H2", "M2"):
        rating_record(
            patient=person,
            element=key,
            value=4,
            rated_on=last_season(),
            rater="proxy",
            entered_by=clinician,
        )
    AppointmentFactory(
        patient=person, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    summaries_rebuild_all()
    return person


def heading(page):
    return page.get_by_role("heading", level=1)


def open_menu(page, name: str) -> None:
    page.get_by_role("link", name="Back to my pages").click()
    page.get_by_role("link", name=name).click()


def test_a_patient_goes_from_an_invitation_to_a_changed_progress_chart_on_a_phone(
    phone_page, newcomer, clinician
):
    page = phone_page
    _, token = invitation_create(patient=newcomer, created_by=clinician)

    # Invitation: choose a password, land in the portal signed in.
    page.goto(reverse("portal:welcome", args=[token]))
    expect(heading(page)).to_have_text("Welcome to SSM Outcomes")
    assert token not in page.url
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save and go to my pages").click()
    expect(heading(page)).to_have_text("Hello, Margaret H.")
    expect(page.get_by_text("Your username is margaret.h.")).to_be_visible()
    assert Invitation.objects.get().used_at is not None

    # Progress before: one season, entered on their behalf.
    page.get_by_role("link", name="My progress").click()
    expect(page.locator(".reading")).to_contain_text("your score was 4.0 out of 10")
    before = page.locator("#chart-overall-desc").text_content()

    # What matters to me: +5 buttons, an item in their own words, the total always shown.
    open_menu(page, "What matters to me")
    plus_symptoms = page.get_by_role("button", name="+5 points: My symptoms are under control")
    for _ in range(4):
        plus_symptoms.click()
    expect(page.locator("[data-points-summary]")).to_have_text(
        "You have shared 20 of 100 points. 80 left."
    )
    page.get_by_role("button", name="Add something in my own words").click()
    page.get_by_label("What else matters to you?").fill("Singing in the choir")
    page.get_by_label("My health and how I feel").check()
    page.get_by_role("button", name="Add it to my list").click()
    expect(
        page.get_by_text("Added “Singing in the choir”. Now give it some points.")
    ).to_be_visible()
    expect(page.get_by_label("My symptoms are under control")).to_have_value("20")
    page.get_by_label("Singing in the choir").fill("30")
    plus_ready = page.get_by_role(
        "button", name="+5 points: Feeling ready and sure I can look after myself"
    )
    plus_ready.click()
    plus_ready.click()
    expect(page.locator("[data-points-summary]")).to_have_text(
        "You have shared 60 of 100 points. 40 left."
    )
    page.get_by_role("button", name="Save what matters to me").click()
    expect(page.get_by_text("Saved. Thank you")).to_be_visible()
    item = newcomer.personal_items.get()
    saved = PrioritySet.objects.get(patient=newcomer)
    assert {p.element.key: p.points for p in saved.points.all()} == {
        "H2": 20,
        item.key: 30,
        "M2": 10,
    }

    # How things are going: one question per screen, most points first; the last by keyboard.
    open_menu(page, "How things are going")
    expect(page.get_by_text(f"entered by {clinician} on your behalf").first).to_be_visible()
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    expect(heading(page)).to_have_text("Singing in the choir")
    page.get_by_label("8", exact=True).check()
    page.get_by_role("button", name="Save and go on").click()
    expect(heading(page)).to_have_text("My symptoms are under control")
    page.get_by_role("button", name="Save and go on").click()
    expect(page.get_by_text("Choose a number from 0 to 10, or press Skip.")).to_be_visible()
    page.get_by_label("9", exact=True).check()
    page.get_by_role("button", name="Save and go on").click()
    expect(heading(page)).to_have_text("Feeling ready and sure I can look after myself")
    page.get_by_label("8", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you. That was the last question.")).to_be_visible()
    ratings = Rating.objects.filter(patient=newcomer, rater="patient")
    assert sorted(ratings.values_list("value", flat=True)) == [8, 9, 9]
    assert {r.entered_by.username for r in ratings} == {"margaret.h"}

    # My goals: write one, see the expected outcome, review it in plain words.
    open_menu(page, "My goals")
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("How will you know it is going as expected?").fill("I walk there and back")
    page.get_by_role("button", name="Save my goal").click()
    expect(page.get_by_text("Write your goal in a few words.").first).to_be_visible()
    expect(page.get_by_label("How will you know it is going as expected?")).to_have_value(
        "I walk there and back"
    )
    page.get_by_label("What is your goal?").fill("Walk to the park twice a week")
    page.get_by_label("Looking after myself").check()
    page.get_by_role("button", name="Save my goal").click()
    expect(page.get_by_text("Going as expected looks like: I walk there and back")).to_be_visible()
    page.get_by_role(
        "link", name="Say how it is going with “Walk to the park twice a week”"
    ).click()
    page.get_by_label("A bit more than expected").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("a bit more than expected", exact=True)).to_be_visible()
    assert GoalReview.objects.get(goal__patient=newcomer).attainment == 1

    # My next appointment: what they want to talk about, seen on the clinician's record.
    open_menu(page, "My next appointment")
    page.get_by_label("What is hard at the moment?").fill("Evenings, when I am tired.")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved. Your care team will read this before you meet.")
    ).to_be_visible()
    assert Agenda.objects.get(patient=newcomer).hard == "Evenings, when I am tired."

    # Progress after: the chart and the reading have changed.
    open_menu(page, "My progress")
    expect(page.locator(".reading")).to_contain_text(
        "Things that matter most to you are going better than in the"
    )
    after = page.locator("#chart-overall-desc").text_content()
    assert after != before
    expect(page.locator(".score-quarter")).to_have_count(2)  # two quarters, a card each


def test_a_patient_cannot_open_another_patients_pages(
    phone_page, patient, other_patient, other_clinician
):
    goal = GoalFactory(patient=other_patient, description="Olive's own goal")
    encounter = EncounterFactory(patient=other_patient, clinician=other_clinician)
    item = personal_item_create(patient=other_patient, label="Olive's allotment", domain="H")
    sign_in(phone_page, "pat", PASSWORD)

    for path in (
        reverse("portal:goal-review", args=[goal.pk]),
        reverse("portal:feedback", args=[encounter.pk]),
        reverse("portal:rate", args=[item.key]),
        reverse("clinic:patient", args=[other_patient.pk]),
        reverse("clinic:patient", args=[patient.pk]),
        f"/api/v1/patients/{other_patient.pk}/",
    ):
        response = phone_page.goto(path)
        assert response.status == 404, path
        assert "Olive" not in phone_page.content(), path


@pytest.fixture
def full_record(patient, clinician):
    """The signed-in patient with something on every page."""
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")
    priorities_set(patient=patient, effective_from=last_season(), points={"H2": 50, item.key: 50})
    for key, value in (("H2", 5), (item.key, 6)):
        rating_record(
            patient=patient, element=key, value=value, rated_on=last_season(), rater="patient"
        )
        rating_record(
            patient=patient,
            element=key,
            value=value + 2,
            rated_on=timezone.localdate(),
            rater="proxy",
            entered_by=clinician,
        )
    goal = GoalFactory(patient=patient, expected_outcome="Walk there without stopping")
    encounter = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=1)
    )
    AppointmentFactory(patient=patient, clinician=clinician)
    for action in ("view", "view", "create", "denied"):
        AuditEvent.objects.create(
            actor=clinician, actor_role="clinician", patient=patient, action=action, what="patient"
        )
    summaries_rebuild_all()
    return {"goal": goal, "encounter": encounter, "item": item}


@pytest.mark.parametrize("screen", ["phone_page", "page"])
def test_every_portal_page_passes_an_automated_accessibility_check(
    request, screen, patient, newcomer, clinician, full_record
):
    page = request.getfixturevalue(screen)
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    page.goto(reverse("portal:welcome", args=[token]))
    assert_accessible(page, "welcome")
    for name in ("login", "password_reset"):
        page.goto(reverse(name))
        assert_accessible(page, name)

    sign_in(page, "pat", PASSWORD)
    paths = [
        reverse("home"),
        *(
            reverse(f"portal:{name}")
            for name in (
                "home",
                "priorities",
                "item-add",
                "ratings",
                "goals",
                "goal-new",
                "agenda",
                "progress",
                "settings",
                "access-log",
            )
        ),
        reverse("portal:rate", args=["H2"]),
        reverse("portal:rate", args=[full_record["item"].key]),
        reverse("portal:goal-review", args=[full_record["goal"].pk]),
        reverse("portal:feedback", args=[full_record["encounter"].pk]),
    ]
    for path in paths:
        page.goto(path)
        assert_accessible(page, path)

    # The same pages when something needs fixing.
    page.goto(reverse("portal:priorities"))
    page.get_by_label("My symptoms are under control").fill("90")
    page.get_by_label("Singing in the choir").fill("40")
    page.get_by_role("button", name="Save what matters to me").click()
    expect(page.get_by_text("You have shared 130 points.").first).to_be_visible()
    assert_accessible(page, "priorities with too many points")
    page.goto(reverse("portal:rate", args=["H2"]))
    page.get_by_role("button", name="Save and go on").click()
    assert_accessible(page, "a question left unanswered")
    page.goto(reverse("portal:goal-new"))
    page.get_by_role("button", name="Save my goal").click()
    assert_accessible(page, "an empty goal")
