"""The invitation's welcome page (choose a username and a password) reports every problem of a
submission at once, each beside its box, and makes no login until all are fixed."""

import pytest
from django.urls import reverse

from patients.invitations import invitation_create
from patients.models import User
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
TOO_SHORT = "This password is too short. It must contain at least 12 characters."


@pytest.fixture
def welcome(client, team, clinician):
    """The welcome page of a newcomer's invitation, opened from its link."""
    newcomer = PatientFactory(display_name="Nora N.", teams=[team])
    _invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    client.get(reverse("portal:welcome", args=[token]))
    return newcomer


def choose(client, **data):
    return client.post(reverse("portal:welcome", args=["set-password"]), data)


def test_a_taken_username_a_bad_email_and_a_short_password_are_told_together(
    client, patient, welcome
):
    users = User.objects.count()

    response = choose(client, username="pat", email="nope", password1="x7!q", password2="x7!q")

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["Someone already has that username. Try another."],
        "email": ["Write an email address like name@example.org."],
        "password1": [TOO_SHORT],
    }
    assert User.objects.count() == users
    welcome.refresh_from_db()
    assert welcome.user is None
    html = response.content.decode()
    assert 'value="pat"' in html
    assert 'value="nope"' in html


def test_an_empty_username_and_passwords_that_differ_are_told_with_a_short_password(
    client, welcome
):
    response = choose(client, username="", password1="x7!q", password2="other")

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["Choose a username."],
        "password1": [TOO_SHORT],
        "password2": ["The two passwords are not the same. Type them again."],
    }
    welcome.refresh_from_db()
    assert welcome.user is None


def test_a_good_choice_still_makes_the_login(client, welcome):
    password = "a long walk to the park"

    response = choose(client, username="nora.n", password1=password, password2=password)

    assert response.status_code == 302
    welcome.refresh_from_db()
    assert welcome.user.username == "nora.n"
    assert welcome.user.check_password(password)
