"""The patient portal in headless Chromium at phone width: from an invitation to a changed progress
chart, never another patient's pages, and no serious accessibility violation on any page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import GoalReview, PrioritySet, Rating
from assessments.services import personal_item_create, priorities_set, rating_record
from indicators.services import summaries_rebuild_all
from patients.invitations import invitation_create
from patients.models import Agenda, AuditEvent, Invitation
from tests.browser.axe import assert_accessible
from tests.browser.conftest import assert_refused, sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory, EncounterFactory, GoalFactory, PatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "blue kettle on the windowsill"
GREEN, AMBER, RED = (
    "rgb(29, 107, 58)",
    "rgb(138, 70, 0)",
    "rgb(176, 0, 32)",
)  # --ok, --warn, --error


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
    page.wait_for_load_state()  # the chart comes after the reading: read it once all arrived
    before = page.locator("#chart-overall-desc").text_content()

    # What matters to me: tick what matters (one thing in their own words), then share 100
    # points starting from an even split; "+" with nothing left takes from the most.
    open_menu(page, "What matters to me")
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    page.get_by_label("My symptoms are under control").check()
    page.get_by_label("Feeling ready and sure I can look after myself").check()
    page.get_by_role("button", name="Add something in my own words").click()
    page.get_by_label("What else matters to you?").fill("Singing in the choir")
    page.get_by_label("My health and how I feel").check()
    page.get_by_role("button", name="Add it to my list").click()
    expect(
        page.get_by_text("Added “Singing in the choir” to your list, and ticked it.")
    ).to_be_visible()
    expect(page.get_by_label("Singing in the choir")).to_be_checked()
    expect(page.get_by_label("My symptoms are under control")).to_be_checked()
    page.get_by_role("button", name="Next: share my points").click()
    page.wait_for_load_state()  # the points move by the page's script, which runs last
    summary = page.locator("[data-points-summary]")
    expect(summary).to_have_text("You have shared all 100 points.")
    expect(page.get_by_label("My symptoms are under control")).to_have_value("35")
    expect(page.get_by_label("Singing in the choir")).to_have_value("35")
    expect(page.get_by_label("Feeling ready and sure I can look after myself")).to_have_value("30")
    page.get_by_role("button", name="+5 points: Singing in the choir").click()
    expect(page.locator("[data-points-note]")).to_have_text(
        "No points were left, so we took 5 from “My symptoms are under control” "
        "and gave them to “Singing in the choir”."
    )
    expect(page.get_by_label("Singing in the choir")).to_have_value("40")
    minus_ready = page.get_by_role(
        "button", name="−5 points: Feeling ready and sure I can look after myself"
    )
    minus_ready.click()
    minus_ready.click()
    expect(summary).to_have_text("You have shared 90 of 100 points. 10 left to share.")
    page.get_by_role("button", name="Save what matters to me").click()
    expect(page.get_by_text("Saved. Thank you")).to_be_visible()
    item = newcomer.personal_items.get()
    saved = PrioritySet.objects.get(patient=newcomer)
    assert {p.element.key: p.points for p in saved.points.all()} == {
        "H2": 30,
        item.key: 40,
        "M2": 20,
    }

    # How things are going: one question per screen, most points first; the last by keyboard.
    open_menu(page, "How things are going")
    expect(
        page.get_by_text(f"{clinician} from your care team entered 4 for you on").first
    ).to_be_visible()
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    expect(heading(page)).to_have_text("Singing in the choir")
    page.get_by_label("8", exact=True).check()
    page.get_by_role("button", name="Save and go on").click()
    expect(heading(page)).to_have_text("My symptoms are under control")
    page.get_by_role("button", name="Save and go on").click()
    assert_refused(page, "Choose a number from 0 to 10, or press Skip.")
    page.get_by_label("9", exact=True).check()
    page.get_by_role("button", name="Save and go on").click()
    expect(heading(page)).to_have_text("Feeling ready and sure I can look after myself")
    # Keys go to whatever the page has by then: wait for all of it (an arrow key on a scale
    # still arriving would wrap round to 0), and for the arrow's choice before Enter sends it.
    page.wait_for_load_state()
    page.get_by_label("8", exact=True).focus()
    expect(page.get_by_label("8", exact=True)).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("9", exact=True)).to_be_checked()
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
    page.wait_for_load_state()  # the chart comes after the reading: read it once all arrived
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

    # What matters to me, step 1 (ticking), as it is and with nothing ticked.
    page.goto(reverse("portal:priorities"))
    page.get_by_role("button", name="Change what I picked").click()
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    assert_accessible(page, "priorities, ticking what matters")
    page.get_by_label("My symptoms are under control").uncheck()
    page.get_by_label("Singing in the choir").uncheck()
    page.get_by_role("button", name="Next: share my points").click()
    assert_refused(page, "Pick at least one thing that matters to you.")
    assert_accessible(page, "priorities with nothing ticked")

    # The same pages when something needs fixing.
    page.goto(reverse("portal:priorities"))
    page.get_by_label("My symptoms are under control").fill("90")
    page.get_by_label("Singing in the choir").fill("40")
    page.get_by_role("button", name="Save what matters to me").click()
    expect(page.get_by_text("You have shared 130 points.").first).to_be_visible()
    assert_accessible(page, "priorities with too many points")
    page.goto(reverse("portal:rate", args=["H2"]))
    page.get_by_role("button", name="Save and go on").click()
    assert_refused(page, "Choose a number from 0 to 10, or press Skip.")
    assert_accessible(page, "a question left unanswered")
    page.goto(reverse("portal:goal-new"))
    page.get_by_role("button", name="Save my goal").click()
    assert_refused(page, "Write your goal in a few words.")
    assert_accessible(page, "an empty goal")


# Five things and their points, most first: what a patient sets out to give on a phone.
FIVE_THINGS = {
    "My symptoms are under control": 30,
    "I feel OK in myself and can cope with my condition": 25,
    "Feeling ready and sure I can look after myself": 20,
    "I can talk openly and honestly with my team": 15,
    "I feel listened to, valued and supported": 10,
}


class Taps:
    """What a person does on the page, counted: each click (a tick too) or fill is one tap."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def fill(self, locator, text: str) -> None:
        locator.fill(text)
        self.count += 1


# Measured on the page before picking came first (commit a19adc1, 4300e87's "What matters to me"):
# every thing's +5 pressed until it had its points, then Save; or each number typed, then Save.
OLD_FLOW_TAPS = {"buttons": 21, "typing": 6}


def test_sharing_100_points_among_five_things_on_a_phone_takes_fewer_taps_than_before(
    phone_page, patient
):
    page = phone_page
    sign_in(page, "pat", PASSWORD)
    summary = page.locator("[data-points-summary]")

    def pick_the_five(taps: Taps) -> None:
        page.goto(reverse("portal:priorities"))
        for wording in FIVE_THINGS:
            taps.click(page.get_by_label(wording, exact=True))
        taps.click(page.get_by_role("button", name="Next: share my points"))
        page.wait_for_load_state()  # the points move by the page's script, which runs last
        expect(summary).to_have_text("You have shared all 100 points.")
        for wording in FIVE_THINGS:
            expect(page.get_by_label(wording, exact=True)).to_have_value("20")

    def save(taps: Taps) -> None:
        expect(summary).to_have_text("You have shared all 100 points.")
        taps.click(page.get_by_role("button", name="Save what matters to me"))
        expect(page.get_by_text("Saved. Thank you")).to_be_visible()
        saved = PrioritySet.objects.filter(patient=patient).latest("id")
        assert sorted(p.points for p in saved.points.all()) == sorted(FIVE_THINGS.values())

    # With the buttons only: first take away where there is too much, then give.
    buttons = Taps()
    pick_the_five(buttons)
    for wording, points in FIVE_THINGS.items():
        for _ in range((20 - points) // 5):
            buttons.click(page.get_by_role("button", name=f"−5 points: {wording}"))
    for wording, points in FIVE_THINGS.items():
        for _ in range((points - 20) // 5):
            buttons.click(page.get_by_role("button", name=f"+5 points: {wording}"))
    save(buttons)

    # Typing each number that differs from the even split.
    PrioritySet.objects.all().delete()
    typing = Taps()
    pick_the_five(typing)
    for wording, points in FIVE_THINGS.items():
        if points != 20:
            typing.fill(page.get_by_label(wording, exact=True), str(points))
    save(typing)

    print(
        f"Taps to give five things 30, 25, 20, 15 and 10 points on a phone: "
        f"with the buttons {OLD_FLOW_TAPS['buttons']} before, {buttons.count} now; "
        f"typing {OLD_FLOW_TAPS['typing']} before, {typing.count} now."
    )
    assert buttons.count < OLD_FLOW_TAPS["buttons"]


def test_the_points_total_warns_in_words_and_colour_when_under_or_over_100(phone_page, patient):
    priorities_set(
        patient=patient, effective_from=timezone.localdate(), points={"H2": 50, "M2": 50}
    )
    page = phone_page
    sign_in(page, "pat", PASSWORD)
    page.goto(reverse("portal:priorities"))
    status = page.locator("[data-points-status]")
    summary = page.locator("[data-points-summary]")
    fill = page.locator(".points-bar-fill")
    symptoms = page.get_by_label("My symptoms are under control")

    expect(summary).to_have_text("You have shared all 100 points.")
    expect(fill).to_have_css("fill", GREEN)
    expect(status).to_have_css("border-top-color", GREEN)

    symptoms.fill("30")
    expect(summary).to_have_text("You have shared 80 of 100 points. 20 left to share.")
    expect(fill).to_have_css("fill", AMBER)
    expect(status).to_have_css("border-top-color", AMBER)
    expect(fill).to_have_attribute("width", "80")

    symptoms.fill("65")
    expect(summary).to_have_text("You have shared 115 points. That is 15 too many. Take some away.")
    expect(fill).to_have_css("fill", RED)
    expect(status).to_have_css("border-top-color", RED)
    expect(summary).to_have_css("color", RED)

    # Without the script the server says the same, and refuses to save.
    page.get_by_role("button", name="Save what matters to me").click()
    expect(
        page.get_by_text("You have shared 115 points. The most you can share is 100.")
    ).to_be_visible()
    expect(summary).to_have_text("You have shared 115 points. That is 15 too many. Take some away.")
    expect(fill).to_have_css("fill", RED)
    assert_accessible(page, "priorities with too many points, on a phone")


def test_what_matters_works_on_a_phone_without_javascript(browser, live_server, patient):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    summary = page.locator("[data-points-summary]")
    try:
        sign_in(page, "pat", PASSWORD)
        page.goto(reverse("portal:priorities"))
        page.get_by_label("My symptoms are under control").check()
        page.get_by_label("I feel listened to, valued and supported").check()
        page.get_by_role("button", name="Next: share my points").click()
        expect(summary).to_have_text("You have shared all 100 points.")
        page.get_by_role(
            "button", name="+5 points: I feel listened to, valued and supported"
        ).click()
        expect(page.locator("[data-points-note]")).to_have_text(
            "No points were left, so we took 5 from “My symptoms are under control” "
            "and gave them to “I feel listened to, valued and supported”."
        )
        expect(page.get_by_label("I feel listened to, valued and supported")).to_have_value("55")
        page.get_by_label("My symptoms are under control").fill("30")
        page.get_by_role("button", name="Add up my points").click()
        expect(summary).to_have_text("You have shared 85 of 100 points. 15 left to share.")
        expect(page.get_by_label("My symptoms are under control")).to_have_value("30")
        page.get_by_role("button", name="Save what matters to me").click()
        expect(page.get_by_text("Saved. Thank you")).to_be_visible()
    finally:
        context.close()
    saved = PrioritySet.objects.get(patient=patient)
    assert {p.element.key: p.points for p in saved.points.all()} == {"H2": 30, "R4": 55}


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_0_to_10_scale_fits_one_row_with_its_words_under_0_and_10_from_a_small_phone_up(
    browser, live_server, patient, width
):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 800},
        has_touch=width < 500,
        is_mobile=width < 500,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, "pat", PASSWORD)
        page.goto(reverse("portal:rate", args=["H2"]))
        options = page.locator(".scale-option")
        expect(options).to_have_count(11)
        expect(page.locator(".scale-ends span")).to_have_count(2)
        zero, ten = options.first.bounding_box(), options.last.bounding_box()
        bad = page.locator(".scale-ends span").first.bounding_box()
        good = page.locator(".scale-ends span").last.bounding_box()
        boxes = [options.nth(n).bounding_box() for n in range(11)]
        page_width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()

    assert {round(box["y"]) for box in boxes} == {round(zero["y"])}  # one row, 0 to 10
    assert min(box["width"] for box in boxes) >= 24  # WCAG 2.2 target size, at the very least
    assert min(box["height"] for box in boxes) >= 48
    assert zero["x"] >= 0
    assert ten["x"] + ten["width"] <= width
    assert page_width <= width  # nothing scrolls sideways
    assert abs(bad["x"] - zero["x"]) <= 1  # "as bad" starts under 0 …
    assert (
        abs((good["x"] + good["width"]) - (ten["x"] + ten["width"])) <= 1
    )  # … "as good" ends under 10
    assert bad["y"] >= zero["y"] + zero["height"]
    assert good["y"] >= ten["y"] + ten["height"]
    assert bad["x"] + bad["width"] < good["x"]  # the two never run into each other
