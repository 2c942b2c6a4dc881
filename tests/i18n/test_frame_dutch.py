"""The frame around every page (navigation, skip link, footer), the error pages, the staff
account pages (two-step sign-in, recovery codes, API tokens) and their emails, in Dutch; English
stays as it was."""

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.template import loader
from django.urls import reverse
from django.utils import translation

from accounts.services import two_step_notice_send
from patients.invitations import INVITATION_REFUSED, invitation_create
from ssm_outcomes.forms import PlainForm
from tests.i18n.test_languages import html_lang
from tests.support.two_step import authenticator_for, sign_in_with_code

DUTCH = {"headers": {"accept-language": "nl"}}


def dutch(user):
    user.language = "nl"
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["language", "email"])
    return user


@pytest.mark.django_db
def test_the_account_page_and_its_frame_are_in_dutch(client, clinician, patient):
    client.force_login(dutch(clinician))

    response = client.get(reverse("account"))
    content = response.content.decode()

    assert html_lang(response) == "nl"
    assert '<a class="skip-link" href="#main">Naar de inhoud</a>' in content
    assert '<nav aria-label="Hoofdmenu">' in content
    assert ">Patiëntenlijst</a>" in content
    assert ">Uitloggen</button>" in content
    assert "<h1>Je account</h1>" in content
    assert f"Je bent ingelogd als <strong>{clinician.username}</strong>" in content
    assert "Je kunt het dossier openen van de 1 patiënt in je teams." in content
    assert ": 1 patiënt</li>" in content
    assert "Tweestapsverificatie staat <strong>uit</strong>." in content
    assert ">Tweestapsverificatie aanzetten</a>" in content
    assert "wat belangrijk is voor mensen met een langdurige aandoening" in content
    for english in (
        "Skip to main content",
        "Sign out",
        "Your account",
        "You are signed in as",
        "patients in your teams",
        "Two-step sign-in is",
        "what matters to people living with long-term conditions",
    ):
        assert english not in content


@pytest.mark.django_db
def test_flemish_signs_in_and_out_with_aanmelden(client, clinician):
    clinician.language = "nl-be"
    clinician.save(update_fields=["language"])
    client.force_login(clinician)

    content = client.get(reverse("account")).content.decode()

    assert ">Afmelden</button>" in content
    assert f"Je bent aangemeld als <strong>{clinician.username}</strong>" in content
    assert "Uitloggen" not in content
    assert "<h1>Je account</h1>" in content  # where Flemish does not differ, Dutch


@pytest.mark.django_db
def test_setting_up_two_step_sign_in_is_explained_in_dutch(client, clinician):
    client.force_login(dutch(clinician))

    content = client.get(reverse("two_step")).content.decode()

    assert "<h1>Tweestapsverificatie</h1>" in content
    assert "<h2>Laat eerst zien dat jij het bent</h2>" in content
    assert "We mailen een instellink naar <strong>" in content
    assert "Hij werkt één keer, 30 minuten lang." in content
    assert ">Mail me een instellink</button>" in content
    assert "First, show it is you" not in content
    assert "We will email a set-up link" not in content


@pytest.mark.django_db
def test_a_wrong_code_and_the_recovery_codes_are_in_dutch(client, clinician):
    dutch(clinician)
    sign_in_with_code(client, clinician)

    content = client.get(reverse("two_step")).content.decode()
    assert "Tweestapsverificatie staat <strong>aan</strong>." in content
    assert "Je hebt nog <strong>0</strong> herstelcodes." in content
    assert ">Tweestapsverificatie uitzetten</button>" in content

    response = client.post(reverse("two_step"), {"code": "12"})
    content = response.content.decode()
    assert "Vul de code van 6 cijfers uit je app in." in content
    assert "Enter the 6-digit code from your app." not in content
    assert "Code van 6 cijfers" in content


@pytest.mark.django_db
def test_the_api_tokens_page_and_its_messages_are_in_dutch(client, clinician):
    client.force_login(dutch(clinician))

    created = client.post(reverse("api_tokens"), {"name": "Export"}).content.decode()
    assert "<h1>Je nieuwe API-token</h1>" in created
    assert "We laten hem alleen deze keer zien." in created

    content = client.get(reverse("api_tokens")).content.decode()
    assert "<h1>API-tokens</h1>" in content
    assert '<th scope="col">Laatst gebruikt</th>' in content
    assert "<td>nooit</td>" in content
    assert ">Intrekken<span" in content
    assert "Last used" not in content
    assert "Make a new token" not in content

    empty = client.post(reverse("api_tokens"), {"name": ""}).content.decode()
    assert "Geef het token een naam, bijvoorbeeld “Export huisartsensysteem”." in empty


@pytest.mark.parametrize(
    ("template", "context", "dutch_sentence", "english_sentence"),
    [
        ("500.html", {}, "<h1>Er ging iets mis</h1>", "Something went wrong"),
        (
            "503.html",
            {"writing": True},
            "Er wordt nooit iets half opgeslagen",
            "Nothing is ever saved half-way",
        ),
        ("503.html", {"writing": False}, "Er is niets veranderd.", "Nothing was changed."),
        (
            "400.html",
            {"reason": "x"},
            "<h1>Dit verzoek kon niet worden gelezen</h1>",
            "This request could not be read",
        ),
    ],
)
def test_the_error_pages_are_in_dutch(template, context, dutch_sentence, english_sentence):
    with translation.override("nl"):
        page = loader.render_to_string(template, context)

    assert '<html lang="nl">' in page
    assert dutch_sentence in page
    assert english_sentence not in page
    assert "Naar je startpagina" in page or template == "503.html"


def test_the_error_pages_keep_their_english():
    with translation.override("en-gb"):
        page = loader.render_to_string("503.html", {"writing": True})

    assert "<h1>Service briefly unavailable</h1>" in page
    assert (
        "<p>Nothing is ever saved half-way: each change is saved whole or not at all. Open the "
        "record to\ncheck whether yours is there, and enter it again if it is not.</p>"
    ) in page


def test_a_plain_form_says_too_long_in_the_pages_language():
    class Note(PlainForm):
        text = forms.CharField(max_length=3)

    with translation.override("nl"):
        form = Note({"text": "abcdef"})
        assert form.errors["text"] == [
            "“Text” is te lang. Gebruik niet meer dan 3 letters. Je schreef er 6."
        ]
    with translation.override("en-gb"):
        form = Note({"text": "abcdef"})
        assert form.errors["text"] == [
            "“Text” is too long. Please keep it to 3 letters. You wrote 6."
        ]


@pytest.mark.django_db
def test_a_two_step_notice_goes_in_the_staff_members_language(
    clinician, django_capture_on_commit_callbacks
):
    dutch(clinician)
    authenticator_for(clinician)

    with django_capture_on_commit_callbacks(execute=True):
        two_step_notice_send(user=clinician, event="recovery_used", codes_left=1)

    message = mail.outbox[-1]
    assert message.subject == (
        "Er is een herstelcode gebruikt om in te loggen op je account bij SSM Outcomes"
    )
    assert "Je hebt nog 1 herstelcode." in message.body
    assert "Heb je dit zelf gedaan? Dan hoef je niets te doen." in message.body
    assert "recovery code" not in message.body


@pytest.mark.django_db
def test_the_invitations_refusals_follow_the_language(patient, clinician):
    assert patient.user_id is not None

    with pytest.raises(ValidationError) as refused:
        invitation_create(patient=patient, created_by=clinician)
    with translation.override("nl"):  # the message is put in words where it is shown
        shown = refused.value.message_dict["email"]
    assert shown == [
        "Deze patiënt heeft al een account voor het portaal. Het wachtwoord en het e-mailadres "
        "zijn alleen van de patiënt: stuur liever hulp bij inloggen."
    ]
    with translation.override("nl-be"):
        assert str(INVITATION_REFUSED["used"]).startswith("Deze link is al gebruikt. Meld je aan")
    with translation.override("en-gb"):
        assert str(INVITATION_REFUSED["expired"]) == (
            "This link has expired. Ask your care team to send you a new one."
        )


@pytest.mark.django_db
def test_a_token_name_taken_is_refused_in_dutch(client, clinician):
    client.force_login(dutch(clinician))
    client.post(reverse("api_tokens"), {"name": "Export"})

    content = client.post(reverse("api_tokens"), {"name": "Export"}).content.decode()

    assert "Je hebt al een token met de naam “Export”. Kies een andere naam" in content
    assert "You already have a token" not in content
