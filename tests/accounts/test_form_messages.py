"""The account pages' forms name each field as the page labels it and state the rule, never in
Django's own wording ("Ensure this value…", "Select a valid choice…", "This field is
required.")."""

import pytest
from django.urls import reverse

from tests.support.two_step import authenticator_for

pytestmark = pytest.mark.django_db


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
