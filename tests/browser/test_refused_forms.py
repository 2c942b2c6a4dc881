"""Forms mended after a review, walked as their users meet them: on a phone, the sign-in page
with a box left empty, the invitation's welcome page with three mistakes, and an agenda written
before the appointment was booked; on a desktop, the record's booking and the encounter's new
goal refused, every problem said at once with what was typed kept."""

import pytest
from django.urls import reverse

from patients.invitations import invitation_create
from patients.models import Agenda, Appointment, Encounter
from tests.browser.conftest import assert_refused, sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_signing_in_with_a_box_left_empty_says_which_on_a_phone(phone_page, patient):
    page = phone_page
    page.goto(reverse("login"))
    page.get_by_role("button", name="Sign in").click()
    assert_refused(page, "Type your username.")
    assert_refused(page, "Type your password.")

    page.get_by_label("Username").fill("pat")
    page.get_by_role("button", name="Sign in").click()
    assert_refused(page, "Type your password.")
    expect(page.get_by_label("Username")).to_have_value("pat")  # what was typed is kept
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me/")


def test_an_agenda_written_before_the_booking_is_there_for_the_appointment_on_a_phone(
    phone_page, patient, clinician
):
    page = phone_page
    sign_in(page, "pat", PASSWORD)
    page.goto(reverse("portal:agenda"))
    page.get_by_label("Do you have any questions?").fill("Can I stop the statin?")
    page.get_by_label("What is hard at the moment?").fill("Stairs")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved.")
    appointment = AppointmentFactory(patient=patient, clinician=clinician)

    page.goto(reverse("portal:agenda"))
    expect(page.get_by_label("Do you have any questions?")).to_have_value("Can I stop the statin?")
    expect(page.get_by_label("What is hard at the moment?")).to_have_value("Stairs")
    page.get_by_role("button", name="Save", exact=True).click()  # saved once, unchanged
    expect(page.locator(".messages")).to_contain_text("Saved.")

    assert list(Agenda.objects.values_list("appointment", "questions", "hard", "going_well")) == [
        (appointment.pk, "Can I stop the statin?", "Stairs", "")
    ]
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_booking_and_a_new_goal_refused_say_every_problem_and_keep_what_was_typed(
    page, clinician, patient
):
    sign_in(page, "nurse", PASSWORD)
    page.goto(reverse("clinic:patient", args=[patient.pk]))
    page.get_by_role("button", name="Book this appointment").click()
    message = "Fill in “Date and time of the appointment”."
    assert_refused(page, message)
    page.get_by_role("alert").get_by_role("link", name=message).click()
    expect(page.get_by_label("Date and time of the appointment")).to_be_focused()
    assert not Appointment.objects.exists()

    page.goto(reverse("clinic:encounter-new", args=[patient.pk]))
    page.get_by_label("Face to face").check()
    page.get_by_label("The service").check()
    page.get_by_label("Duration (minutes)").fill("20")  # the date and time start at now
    page.get_by_text("A new goal", exact=True).click()
    page.get_by_label("Importance").select_option("3")  # a goal started, with no words
    page.get_by_role("button", name="Save the encounter").click()

    assert_refused(
        page, "Write the new goal in the patient's words, or clear the new goal's boxes."
    )
    assert_refused(page, "Choose the domain of the new goal.")
    expect(page.get_by_label("Duration (minutes)")).to_have_value("20")
    expect(page.get_by_label("Importance")).to_have_value("3")
    assert not Encounter.objects.exists()


def test_the_welcome_page_says_every_problem_of_a_login_at_once_on_a_phone(
    phone_page, patient, team, clinician
):
    newcomer = PatientFactory(display_name="Nora N.", teams=[team])
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    page = phone_page
    page.goto(reverse("portal:welcome", args=[token]))
    page.get_by_label("Your username").fill("pat")  # taken
    page.get_by_label("Your email address").fill("nope")
    page.get_by_label("Choose a password").fill("x7!q")
    page.get_by_label("Type the password again").fill("x7!q")
    page.get_by_role("button", name="Save and go to my pages").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(3)  # the username, the address, the password
    expect(summary).to_contain_text("username")
    expect(page.get_by_label("Your username")).to_have_value("pat")
    expect(page.get_by_label("Your email address")).to_have_value("nope")
    page.wait_for_load_state()  # measure the page once it and its style sheets have loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    newcomer.refresh_from_db()
    assert newcomer.user_id is None
