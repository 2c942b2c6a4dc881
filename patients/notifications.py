"""Telling people about changes to how they sign in, at the address that was on the account.

A changed password or email address is announced to the *previous* address, so that whoever
really owns the account hears of a change they did not make, even when the change moved the
account to an address they do not read.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from ssm_outcomes.languages import language_for

from .emails import email_message
from .models import User, credentials_changed


@receiver(credentials_changed, dispatch_uid="tell_the_previous_address")
def tell_the_previous_address(sender, user: User, password_changed: bool, old_email: str, **_):
    """Email the address the account had before the change; sent once the change commits."""
    if not old_email:
        return
    message = email_message(
        "account/email/credentials_changed",
        {
            "user": user,
            "password_changed": password_changed,
            "email_changed": user.email != old_email,
            "new_email": user.email,
        },
        old_email,
        language=language_for(user),
    )
    transaction.on_commit(message.send, robust=True)
