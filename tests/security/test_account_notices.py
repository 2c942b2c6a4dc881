"""A changed password or email address is announced to the address the account had before."""

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db):
    return UserFactory(username="pat", first_name="Pat", role="patient", email="pat@example.org")


def test_a_new_password_is_announced_to_the_accounts_address(
    account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account.set_password("a whole new password here")
        account.save()

    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == "Your SSM Outcomes password was changed"
    assert "The password was changed." in message.body
    assert "a whole new password here" not in message.body
    assert "tell your care team" in message.body


def test_a_new_email_address_is_announced_to_the_previous_one_not_the_new_one(
    account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account.email = "someone.else@example.org"
        account.save(update_fields=["email"])

    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "changed to someone.else@example.org" in message.body
    assert "The password was changed." not in message.body


def test_a_staff_account_is_told_to_ask_an_administrator(django_capture_on_commit_callbacks):
    nurse = UserFactory(username="nurse", role="clinician", email="nurse@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        nurse.set_password("another long password")
        nurse.save()

    [message] = mail.outbox
    assert "tell an administrator" in message.body


def test_signing_in_while_the_hash_is_upgraded_is_not_a_change(
    account, settings, django_capture_on_commit_callbacks
):
    old_hash = account.password
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert account.check_password("correct-horse-battery-staple")

    account.refresh_from_db()
    assert account.password != old_hash  # re-hashed with today's hasher
    assert mail.outbox == []


def test_other_changes_and_accounts_without_an_address_send_nothing(
    account, django_capture_on_commit_callbacks
):
    quiet = UserFactory(username="quiet", role="patient", email="")
    with django_capture_on_commit_callbacks(execute=True):
        account.first_name = "Patricia"
        account.save()
        quiet.set_password("a whole new password here")
        quiet.save()

    assert mail.outbox == []
