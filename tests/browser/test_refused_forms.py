"""Forms mended after a review, walked as their users meet them: the sign-in page with a box
left empty, on a phone; an agenda written before the appointment was booked, on a phone; the
record's booking and the encounter's new goal refused on a desktop, every problem said at once
with what was typed kept."""

import pytest
from django.urls import reverse

from patients.models import Agenda, Appointment, Encounter
from tests.browser.conftest import assert_refused, sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory

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
