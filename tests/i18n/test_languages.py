"""Which language a page is in: the browser's before sign-in, the sign-in page's language switch,
and a signed-in user's own choice, which outranks both; `<html lang>` says which."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from patients.services import language_set
from tests.conftest import PASSWORD


def html_lang(response) -> str:
    match = re.search(rb'<html lang="([^"]*)">', response.content)
    assert match, "the page has no <html lang>"
    return match[1].decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("nl", "nl"),
        ("nl-BE,nl;q=0.8,en;q=0.5", "nl-be"),
        ("en-GB,en;q=0.9", "en-gb"),
        ("fr-FR,fr;q=0.9", "en-gb"),  # not offered: the default
        ("", "en-gb"),
    ],
)
def test_before_sign_in_the_browser_chooses_the_language(client, accept, lang):
    response = client.get(reverse("login"), headers={"accept-language": accept})

    assert response.status_code == 200
    assert html_lang(response) == lang
    assert response["Content-Language"] == lang


@pytest.mark.django_db
def test_the_sign_in_page_is_in_dutch_for_a_dutch_browser(client):
    response = client.get(reverse("login"), headers={"accept-language": "nl"})

    assert b"<h1>Inloggen</h1>" in response.content
    assert b'<label for="id_username">Gebruikersnaam</label>' in response.content


@pytest.mark.django_db
def test_the_sign_in_page_stays_in_english_by_default(client):
    response = client.get(reverse("login"))

    assert b"<h1>Sign in</h1>" in response.content
    assert b"<title>Sign in \xc2\xb7 SSM Outcomes</title>" in response.content


@pytest.mark.django_db
def test_the_language_switch_names_each_language_in_its_own_words(client):
    response = client.get(reverse("login"), headers={"accept-language": "nl"})
    content = response.content.decode()

    form = content[content.index(f'action="{reverse("set_language")}"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/accounts/login/">' in form
    buttons = re.findall(r'<button type="submit"[^>]*value="([^"]+)"[^>]*>([^<]+)</button>', form)
    assert buttons == [
        ("en-gb", "English"),
        ("nl", "Nederlands"),
        ("nl-be", "Nederlands (België)"),
    ]
    assert 'value="nl" lang="nl" aria-current="true"' in form
    assert 'value="en-gb" lang="en-gb">' in form


@pytest.mark.django_db
def test_the_language_switch_sets_the_language_for_the_next_pages(client):
    response = client.post(
        reverse("set_language"),
        {"language": "nl", "next": reverse("login")},
        headers={"accept-language": "en-GB"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "nl"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    page = client.get(reverse("login"), headers={"accept-language": "en-GB"})
    assert html_lang(page) == "nl"
    assert b"<h1>Inloggen</h1>" in page.content


@pytest.mark.django_db
def test_the_language_switch_needs_the_forms_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("set_language"), {"language": "nl", "next": "/"})

    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_a_language_not_offered_leaves_the_choice_to_the_browser(client):
    # Django keeps any language it has words for in the cookie; only those offered are used.
    client.post(reverse("set_language"), {"language": "fr", "next": reverse("login")})

    for accept, lang in (("nl", "nl"), ("en-GB", "en-gb")):
        response = client.get(reverse("login"), headers={"accept-language": accept})
        assert html_lang(response) == lang


@pytest.mark.django_db
def test_the_language_switch_sends_no_one_to_another_site(client):
    response = client.post(
        reverse("set_language"), {"language": "nl", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_staff_members_choice_outranks_the_browser_after_sign_in(client, clinician):
    language_set(user=clinician, language="nl")

    response = client.post(
        reverse("login"),
        {"username": "nurse", "password": PASSWORD, "next": reverse("account")},
        headers={"accept-language": "en-GB"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("account")
    assert html_lang(response) == "nl"
    assert response["Content-Language"] == "nl"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_with_no_choice_a_signed_in_user_follows_the_browser(client, clinician):
    client.force_login(clinician)

    dutch = client.get(reverse("account"), headers={"accept-language": "nl"})
    english = client.get(reverse("account"), headers={"accept-language": "en-GB"})

    assert (html_lang(dutch), html_lang(english)) == ("nl", "en-gb")


@pytest.mark.django_db
def test_signing_out_hands_the_choice_back_to_the_browser(client, clinician):
    language_set(user=clinician, language="nl")
    client.force_login(clinician)
    client.post(reverse("logout"))

    response = client.get(reverse("login"), headers={"accept-language": "en-GB"})

    assert html_lang(response) == "en-gb"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"), [("nl", "nl"), ("nl-BE", "nl-be"), (" en-gb ", "en-gb"), ("", "")]
)
def test_the_service_keeps_a_language_offered(clinician, given, stored):
    language_set(user=clinician, language=given)

    clinician.refresh_from_db()
    assert clinician.language == stored


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["fr", "nl_NL", "english", "<script>"])
def test_the_service_refuses_a_language_not_offered_naming_the_field(clinician, given):
    with pytest.raises(ValidationError) as refused:
        language_set(user=clinician, language=given)

    assert refused.value.message_dict == {
        "language": [
            "Choose one of the languages offered: English, Nederlands, Nederlands (België)."
        ]
    }
    assert refused.value.error_dict["language"][0].code == "language_unknown"
    clinician.refresh_from_db()
    assert clinician.language == ""


@pytest.mark.django_db
def test_a_chosen_language_no_longer_offered_follows_the_browser(client, clinician, settings):
    language_set(user=clinician, language="nl-be")
    settings.LANGUAGES = [("en-gb", "English"), ("nl", "Nederlands")]
    client.force_login(clinician)

    response = client.get(reverse("account"), headers={"accept-language": "en-GB"})

    assert html_lang(response) == "en-gb"


def test_a_request_refused_by_the_input_guard_is_answered_in_the_sites_language(client, db):
    """The guard answers before LocaleMiddleware: a Dutch request just before on the same
    thread must not leave its language on the refusal."""
    from django.utils import translation

    translation.activate("nl")
    response = client.get("/clinic/?q=%00")

    assert response.status_code == 400
    assert '<html lang="en-gb">' in response.content.decode()
