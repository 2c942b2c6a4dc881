"""The clinician chooses the language of an invitation on the patient's record: its email, the
link's welcome page and the login the patient makes from it are all in that language, whatever
the language of the clinician's own page."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from clinic.forms import InviteForm
from patients.invitations import LINK_LANGUAGE, invitation_link
from patients.models import Invitation, User
from patients.services import language_set
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

PASSWORD = "blue kettle on the windowsill"
WELCOME_STEP = "/me/welcome/set-password/"


@pytest.fixture
def newcomer(team):
    """A patient of the team who has no portal login yet."""
    return PatientFactory(display_name="Margaret H.", teams=[team], user=None)


def invite(client, patient, **data):
    return client.post(reverse("clinic:invite", args=[patient.pk]), data)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


def test_an_english_clinician_invites_in_dutch_and_everything_the_patient_sees_is_dutch(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    assert clinician.language in ("", "en-gb")
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, newcomer, email="margaret@example.org", language="nl")

    # The clinician's own page stays English, and says which language the invitation is in.
    assert response.status_code == 200
    assert response["Content-Language"] == "en-gb"
    page = response.content.decode()
    assert "Invitation ready for Margaret H." in page
    assert '<span lang="nl">Nederlands</span>: its email, and the page' in page

    [message] = mail.outbox
    assert message.subject == "Je zorgteam nodigt je uit voor SSM Outcomes"
    assert message.body.startswith("Hallo,")
    assert "Open deze link om te beginnen. Kies dan een wachtwoord:" in message.body
    assert "choose a password" not in message.body
    link = link_in(message.body)
    assert link == response.context["link"]
    assert link.endswith(f"?{LINK_LANGUAGE}=nl")

    # The patient, whose browser asks for English, opens the link: the welcome page is Dutch.
    patient_browser = client.__class__(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    opened = patient_browser.get(path_of(link))
    assert (opened.status_code, opened["Location"]) == (302, WELCOME_STEP)
    welcome = patient_browser.get(opened["Location"])
    assert welcome.status_code == 200
    assert welcome["Content-Language"] == "nl"
    assert '<html lang="nl">' in welcome.content.decode()
    assert "Welkom bij SSM Outcomes" in welcome.content.decode()
    assert "Je gebruikersnaam" in welcome.content.decode()

    accepted = patient_browser.post(
        WELCOME_STEP, {"username": "margaret.h", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert (accepted.status_code, accepted["Location"]) == (302, reverse("portal:home"))
    assert User.objects.get(username="margaret.h").language == "nl"
    home = patient_browser.get(reverse("portal:home"))
    assert home["Content-Language"] == "nl"


def test_a_dutch_clinician_invites_in_english(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    language_set(user=clinician, language="nl")
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, newcomer, email="margaret@example.org", language="en-gb")

    assert response["Content-Language"] == "nl"
    assert (
        'Taal van de uitnodiging: <span lang="en-gb">English</span>.' in response.content.decode()
    )
    [message] = mail.outbox
    assert message.subject == "Your care team has invited you to SSM Outcomes"
    assert message.body.startswith("Hello,")
    assert link_in(message.body).endswith(f"?{LINK_LANGUAGE}=en-gb")

    patient_browser = client.__class__(HTTP_ACCEPT_LANGUAGE="nl")
    welcome = patient_browser.get(path_of(link_in(message.body)), follow=True)
    assert welcome["Content-Language"] == "en-gb"
    assert "Welcome to SSM Outcomes" in welcome.content.decode()


def test_an_invitation_in_flemish_opens_in_flemish(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    response = invite(client, newcomer, language="nl-be")

    assert response.context["link"].endswith(f"?{LINK_LANGUAGE}=nl-be")
    patient_browser = client.__class__()
    welcome = patient_browser.get(path_of(response.context["link"]), follow=True)
    assert welcome["Content-Language"] == "nl-be"
    assert '<html lang="nl-be">' in welcome.content.decode()


def test_the_form_offers_each_language_in_its_own_words_and_chooses_the_clinicians(
    client, clinician, newcomer
):
    client.force_login(clinician)
    english = client.get(reverse("clinic:invite", args=[newcomer.pk])).content.decode()

    assert "Language of the invitation" in english
    assert "The email and the page where they choose a password are in this language." in english
    assert re.search(r'value="en-gb"[^>]*checked', english)
    assert not re.search(r'value="nl"[^>]*checked', english)
    assert '<span lang="nl">Nederlands</span>' in english
    assert '<span lang="nl-be">Nederlands (België)</span>' in english
    assert '<span lang="en-gb">English</span>' in english

    language_set(user=clinician, language="nl")
    dutch = client.get(reverse("clinic:invite", args=[newcomer.pk])).content.decode()
    assert "Taal van de uitnodiging" in dutch
    assert "Het portaal blijft in deze taal tot de patiënt een andere kiest." in dutch
    assert re.search(r'value="nl"[^>]*checked', dutch)
    assert not re.search(r'value="en-gb"[^>]*checked', dutch)


def test_the_default_is_the_patients_own_language_when_they_have_one(patient, team):
    language_set(user=patient.user, language="nl-be")
    with translation.override("en-gb"):
        assert InviteForm(patient=patient)["language"].initial == "nl-be"
        assert InviteForm(patient=PatientFactory(teams=[team], user=None))["language"].initial == (
            "en-gb"
        )
    with translation.override("nl"):
        assert InviteForm()["language"].initial == "nl"
    with translation.override("fr"):  # a page in a language not offered: the site's default
        assert InviteForm()["language"].initial == settings.LANGUAGE_CODE


def test_no_language_sent_keeps_the_language_of_the_page(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, newcomer, email="margaret@example.org")

    assert response.status_code == 200
    [message] = mail.outbox
    assert message.body.startswith("Hello,")
    assert response.context["link"].endswith(f"?{LINK_LANGUAGE}=en-gb")


@pytest.mark.parametrize(
    ("page_language", "expected"),
    [
        (
            "en-gb",
            "Choose one of the languages under “Language of the invitation”: "
            "English, Nederlands, Nederlands (België).",
        ),
        (
            "nl",
            "Kies een van de talen bij “Taal van de uitnodiging”: "
            "English, Nederlands, Nederlands (België).",
        ),
    ],
)
def test_a_language_not_offered_is_refused_naming_the_field(
    client, clinician, newcomer, page_language, expected
):
    language_set(user=clinician, language=page_language)
    client.force_login(clinician)
    response = invite(client, newcomer, email="margaret@example.org", language="de")

    assert response.status_code == 400
    page = response.content.decode()
    assert expected in page
    assert 'value="margaret@example.org"' in page
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_clinician_outside_the_patients_teams_cannot_invite_in_any_language(
    client, other_clinician, newcomer
):
    client.force_login(other_clinician)

    assert client.get(reverse("clinic:invite", args=[newcomer.pk])).status_code == 404
    response = invite(client, newcomer, email="margaret@example.org", language="nl")
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_link_naming_a_language_not_offered_opens_in_the_browsers(client, clinician, newcomer):
    client.force_login(clinician)
    link = invite(client, newcomer).context["link"]
    assert invitation_link("token", "de") == invitation_link("token")
    assert "?" not in invitation_link("token", "")

    patient_browser = client.__class__(HTTP_ACCEPT_LANGUAGE="nl")
    forged = path_of(link).replace(f"{LINK_LANGUAGE}=en-gb", f"{LINK_LANGUAGE}=de")
    opened = patient_browser.get(forged)
    assert settings.LANGUAGE_COOKIE_NAME not in opened.cookies
    welcome = patient_browser.get(opened["Location"])
    assert welcome["Content-Language"] == "nl"
