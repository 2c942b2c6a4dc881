"""Reads about a user's sign-in devices, set-up grants and API tokens."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User

from .models import ApiToken, EnrolmentApproval, EnrolmentLink, RecoveryCodeDevice


def device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_device_of(user: User) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user).first()


def recovery_codes_left(*, user: User) -> int:
    device = recovery_device_of(user)
    return device.codes_left() if device else 0


def enrolment_link_latest(*, user: User) -> EnrolmentLink | None:
    """The newest set-up link still open, to say on the page when it was sent."""
    return EnrolmentLink.objects.open().filter(user=user).first()


def enrolment_approval_open(*, user: User) -> EnrolmentApproval | None:
    return EnrolmentApproval.objects.open().filter(user=user).first()


def api_tokens_live(*, user: User):
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.live().filter(user=user)


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The token a key belongs to, live or expired, with its user."""
    return ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
