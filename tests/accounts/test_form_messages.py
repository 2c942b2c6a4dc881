"""The account pages' forms name each field as the page labels it and state the rule, never in
Django's own wording ("Ensure this value…", "Select a valid choice…", "This field is
required."); the page for a new password after a reset is worded as the product writes, in
informal Dutch too."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.support.two_step import authenticator_for

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long walk to the park"


def errors(response) -> dict:
    return response.context["form"].errors


def test_a_code_too_long_names_the_box(client, clinician):
    authenticator_for(clinician)
    client.force_login(clinician)

    response = client.post(reverse("two_step_verify"), {"code": "123 456 789 0"})

    assert errors(response) == {
        "code": ["“6-digit code” can be at most 12 characters (this has 13)."]
    }


def test_a_recovery_code_too_long_names_the_box(client, clinician):
    authenticator_for(clinician)
    client.force_login(clinician)

    response = client.post(reverse("two_step_recovery"), {"code": "a" * 25})

    assert errors(response) == {
        "code": ["“Recovery code” can be at most 24 characters (this has 25)."]
    }


def test_a_staff_language_not_offered_names_the_field(client, manager):
    client.force_login(manager)

    response = client.post(reverse("account"), {"language": "fr"})

    assert response.context["language_form"].errors == {
        "language": ["Choose one of the options for “Language”."]
    }
    manager.refresh_from_db()
    assert manager.language == ""


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Fill in “Your email address”."),
        ("nope", "“Your email address” must be an email address, like name@example.org."),
    ],
)
def test_a_password_reset_without_a_good_address_names_the_box(client, db, email, message):
    response = client.post(reverse("password_reset"), {"email": email})

    assert response.status_code == 200
    assert errors(response) == {"email": [message]}


def reset_link(client, user) -> str:
    """The set-password page of a password reset e-mailed to ``user``, as its link opens it."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    opened = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    return opened.redirect_chain[-1][0]


def test_a_new_password_typed_differently_is_said_as_the_product_says_it(client, patient):
    page = reset_link(client, patient.user)

    response = client.post(
        page, {"new_password1": NEW_PASSWORD, "new_password2": "a long walk to the shop"}
    )

    assert errors(response) == {
        "new_password2": ["The two passwords are not the same. Type them again."]
    }
    patient.user.refresh_from_db()
    assert not patient.user.check_password(NEW_PASSWORD)


def test_empty_new_passwords_are_asked_for_each(client, patient):
    page = reset_link(client, patient.user)

    response = client.post(page, {"new_password1": "", "new_password2": ""})

    assert errors(response) == {
        "new_password1": ["Choose a password."],
        "new_password2": ["Type the password again."],
    }


def test_a_weak_new_password_is_said_beside_the_first_box(client, patient):
    page = reset_link(client, patient.user)

    response = client.post(page, {"new_password1": "x7!q", "new_password2": "x7!q"})

    assert errors(response) == {
        "new_password1": ["This password is too short. It must contain at least 12 characters."]
    }


@pytest.mark.parametrize("language", ["nl", "nl-be"])
def test_the_new_password_page_is_in_informal_dutch(client, patient, language):
    client.cookies["django_language"] = language
    html = client.get(reset_link(client, patient.user)).content.decode()

    assert "Kies een wachtwoord" in html
    assert "Typ het wachtwoord nog een keer" in html
    assert "Minstens 12 letters, cijfers of tekens." in html
    for formal in ("Nieuw wachtwoord:", "Uw wachtwoord", "Voer ter verificatie"):
        assert formal not in html
