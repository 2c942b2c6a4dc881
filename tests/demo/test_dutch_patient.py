"""demo-patient-nl: a demo patient who reads the portal, and gets her e-mails, in Dutch.

The cohort's "today" is three days ago here, so her appointment (five days after it) is due its
reminder now, and the reminder is really rendered and sent.
"""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from patients.models import Agenda, Appointment, Membership, Patient, User
from patients.reminders import reminder_send

pytestmark = pytest.mark.django_db

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def cohort(django_db_setup, django_db_blocker):
    """A small seeded cohort whose "today" is three days ago, rolled back when the module ends."""
    anchor = timezone.localdate() - timedelta(days=3)
    options = {"patients": 12, "seed": 5, "force": True, "anchor_date": anchor.isoformat()}
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHING):
            out = io.StringIO()
            call_command("seed_demo", **options, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def language_kept():
    """A Dutch request leaves Dutch active in this thread: put back what the next test expects."""
    with translation.override(translation.get_language()):
        yield


def anneke() -> Patient:
    return Patient.objects.select_related("user").get(user__username="demo-patient-nl")


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


def test_she_reads_in_dutch_has_a_dutch_name_and_is_listed_among_the_demo_logins(cohort):
    patient = anneke()
    assert patient.user.language == "nl"
    assert patient.user.role == "patient"
    assert patient.display_name == "Anneke V."
    assert (patient.user.first_name, patient.user.last_name) == ("Anneke", "de Vries")
    assert "demo-patient-nl  a patient who reads the portal in Dutch" in cohort
    # Everyone else keeps the default: the browser decides.
    assert set(User.objects.exclude(pk=patient.user.pk).values_list("language", flat=True)) == {""}


def test_she_is_treated_by_demo_clinician_and_her_own_words_are_dutch(cohort):
    patient = anneke()
    teams = patient.teams.all()
    assert Membership.objects.filter(
        team__in=teams, user__username="demo-clinician", role="clinician"
    ).exists()
    items = set(patient.personal_items.values_list("label", flat=True))
    assert items == {"Fietsen met mijn kleinkinderen", "Zingen in het koor"}
    goals = set(patient.goals.values_list("description", flat=True))
    assert "Elke avond mijn voeten nakijken" in goals
    assert patient.ratings.count() > 50
    assert patient.priority_sets.count() == 3
    appointment = patient.appointments.get()
    assert appointment.clinician.username == "demo-clinician"
    assert appointment.starts_at > timezone.now()
    assert Agenda.objects.get(appointment=appointment).going_well == "Ik loop elke week wat verder."


def test_she_signs_in_with_the_demo_password_and_her_home_page_is_dutch(cohort, client):
    response = client.post(
        reverse("login"),
        {"username": "demo-patient-nl", "password": settings.DEMO_PASSWORD},
        headers={"accept-language": "en-GB"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "demo-patient-nl"
    assert html_lang(response) == "nl"

    home = client.get(reverse("portal:home"), headers={"accept-language": "en-GB"})
    html = home.content.decode()
    assert html_lang(home) == "nl"
    assert "Vertel je zorgteam wat voor jou belangrijk is" in html
    assert "Je volgende afspraak" in html
    assert "Hallo, Anneke" in html
    for english in ("Your next appointment", "Tell your care team what matters to you"):
        assert english not in html


def test_her_reminder_is_written_in_dutch(cohort, mailoutbox, django_capture_on_commit_callbacks):
    appointment = Appointment.objects.get(patient=anneke())
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_send(appointment_id=appointment.pk)
    (message,) = mailoutbox
    assert message.to == ["demo-patient-nl@example.org"]
    assert message.subject.startswith("Je afspraak op ")
    assert "waar wil je over praten?" in message.subject
    assert message.body.startswith("Hallo Anneke,")
    assert "Een paar vragen om over na te denken:" in message.body
    assert "Some questions to think about" not in message.body
    assert "You have an appointment" not in message.body
