"""E-mails go out in the recipient's language: their words, and dates as their language writes
them ("maandag 30 november 2026"). A patient without a login is invited in the language asked
for, or that of the clinician's page; an account with no choice is written to in the default."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.services import two_step_notice_send
from patients import emails
from patients.invitations import invitation_accept, invitation_create, sign_in_help_send
from patients.models import Invitation
from patients.reminders import reminder_send
from patients.services import language_set
from patients.signals import reminder_lines
from tests.factories import AppointmentFactory, PatientFactory


def in_language(moment: dt.datetime, language: str, fmt: str = "l j F Y") -> str:
    with translation.override(language):
        return date_format(timezone.localtime(moment), fmt)


@pytest.fixture
def rendered_in(monkeypatch) -> dict[str, str]:
    """Each e-mail template rendered, with the language active while it was."""
    seen: dict[str, str] = {}

    def recording(render):
        def render_to_string(template_name, *args, **kwargs):
            seen[template_name] = translation.get_language()
            return render(template_name, *args, **kwargs)

        return render_to_string

    monkeypatch.setattr(emails, "render_to_string", recording(emails.render_to_string))
    monkeypatch.setattr(loader, "render_to_string", recording(loader.render_to_string))
    return seen


def test_django_writes_dutch_dates_in_dutch():
    with translation.override("nl"):
        assert date_format(dt.date(2026, 11, 30), "l j F Y") == "maandag 30 november 2026"
    with translation.override("nl-be"):
        assert date_format(dt.date(2026, 11, 30), "j F Y") == "30 november 2026"
    with translation.override("en-gb"):
        assert date_format(dt.date(2026, 11, 30), "l j F Y") == "Monday 30 November 2026"


@pytest.mark.django_db
def test_an_invitation_asked_for_in_dutch_is_written_in_dutch(
    team, clinician, rendered_in, django_capture_on_commit_callbacks
):
    person = PatientFactory(teams=[team], user=None)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = invitation_create(
            patient=person, created_by=clinician, email="p@example.org", language="nl"
        )

    [message] = mail.outbox
    dutch = in_language(invitation.expires_at, "nl")
    assert dutch.split()[0] in {
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    }
    assert f"werkt niet meer na {dutch}." in message.body
    assert message.body.startswith("Hallo,")
    assert in_language(invitation.expires_at, "en-gb") not in message.body
    assert rendered_in == {
        "portal/email/invitation_subject.txt": "nl",
        "portal/email/invitation.txt": "nl",
    }


@pytest.mark.django_db
def test_without_a_language_the_invitation_follows_the_clinicians_page(
    team, clinician, rendered_in, django_capture_on_commit_callbacks
):
    person = PatientFactory(teams=[team], user=None)
    with translation.override("nl-be"), django_capture_on_commit_callbacks(execute=True):
        invitation, _ = invitation_create(
            patient=person, created_by=clinician, email="p@example.org"
        )
    with django_capture_on_commit_callbacks(execute=True):
        again, _ = invitation_create(patient=person, created_by=clinician, email="p@example.org")

    first, second = mail.outbox
    assert in_language(invitation.expires_at, "nl-be") in first.body
    assert in_language(again.expires_at, "en-gb") in second.body  # nothing active: the default


@pytest.mark.django_db
def test_an_invitation_in_a_language_not_offered_is_refused(team, clinician):
    person = PatientFactory(teams=[team], user=None)

    with pytest.raises(ValidationError) as refused:
        invitation_create(
            patient=person, created_by=clinician, email="p@example.org", language="de"
        )

    assert refused.value.message_dict["language"][0].startswith("Choose one of the languages")
    assert not Invitation.objects.filter(patient=person).exists()


@pytest.mark.django_db
def test_accepting_an_invitation_keeps_the_language_the_patient_read_it_in(team, clinician):
    person = PatientFactory(teams=[team], user=None)
    invitation, _ = invitation_create(patient=person, created_by=clinician)

    user = invitation_accept(
        invitation=invitation, username="anouk", password="een-lang-wachtwoord-42", language="nl"
    )

    user.refresh_from_db()
    assert user.language == "nl"


@pytest.mark.django_db
def test_sign_in_help_goes_in_the_patients_language(
    patient, clinician, rendered_in, django_capture_on_commit_callbacks
):
    patient.user.email = "pat@example.org"
    patient.user.save()
    language_set(user=patient.user, language="nl")

    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        sign_in_help_send(patient=patient, requested_by=clinician)

    assert len(mail.outbox) == 1
    assert rendered_in == {
        "portal/email/sign_in_help_subject.txt": "nl",
        "portal/email/sign_in_help.txt": "nl",
    }


@pytest.mark.django_db
def test_a_reminder_and_the_lines_added_to_it_are_in_the_patients_language(
    patient, clinician, rendered_in, django_capture_on_commit_callbacks
):
    patient.user.email = "pat@example.org"
    patient.user.save()
    language_set(user=patient.user, language="nl")
    starts_at = timezone.now() + dt.timedelta(days=2)
    appointment = AppointmentFactory(patient=patient, clinician=clinician, starts_at=starts_at)

    @receiver(reminder_lines, weak=False, dispatch_uid="test-language-line")
    def language_line(sender, **kwargs):
        return [f"line written in {translation.get_language()}"]

    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert reminder_send(appointment_id=appointment.pk)
    finally:
        reminder_lines.disconnect(dispatch_uid="test-language-line")

    [message] = mail.outbox
    assert in_language(starts_at, "nl") in message.body
    assert "line written in nl" in message.body
    assert set(rendered_in.values()) == {"nl"}


@pytest.mark.django_db
def test_a_credentials_notice_goes_in_the_owners_language(
    clinician, rendered_in, django_capture_on_commit_callbacks
):
    clinician.email = "nia@example.org"
    clinician.language = "nl-be"
    clinician.save()
    rendered_in.clear()

    with django_capture_on_commit_callbacks(execute=True):
        clinician.email = "nia@example.net"
        clinician.save()

    assert mail.outbox[-1].to == ["nia@example.org"]
    assert rendered_in == {
        "account/email/credentials_changed_subject.txt": "nl-be",
        "account/email/credentials_changed.txt": "nl-be",
    }


@pytest.mark.django_db
def test_an_account_with_no_choice_is_written_to_in_the_default(
    clinician, rendered_in, django_capture_on_commit_callbacks
):
    clinician.email = "nia@example.org"
    clinician.save()

    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        two_step_notice_send(user=clinician, event="removed")

    assert rendered_in == {
        "account/email/two_step_notice_subject.txt": "en-gb",
        "account/email/two_step_notice.txt": "en-gb",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chosen", "page", "expected"),
    [("nl", "en-GB", "nl"), ("", "nl", "nl"), ("", "en-GB", "en-gb")],
)
def test_a_password_reset_goes_in_the_accounts_language_or_the_pages(
    client, clinician, rendered_in, chosen, page, expected
):
    clinician.email = "nia@example.org"
    clinician.language = chosen
    clinician.save()

    response = client.post(
        reverse("password_reset"), {"email": "nia@example.org"}, headers={"accept-language": page}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert rendered_in == {
        "registration/password_reset_subject.txt": expected,
        "registration/password_reset_email.html": expected,
    }
