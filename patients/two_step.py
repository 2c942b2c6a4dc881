"""Two-step sign-in: a password, then a 6-digit code from an authenticator app (TOTP).

Staff (clinicians, managers) may turn it on; administrators must. Patients are not offered it:
their portal shows one person's own record, and a second device would shut out the people with
little digital confidence whom the portal is for.

After the password, the session is signed in but *held*: `TwoStepMiddleware` lets it reach only
the two-step pages and sign-out until the code is given (`two_step_verify`). Codes come from
django-otp's `TOTPDevice`, which refuses a code used once already and slows down guessing (each
wrong code doubles the wait before the next is checked). The services here are deliberately not
wrapped in a transaction: a wrong code's count must be saved even though the request fails.
"""

from __future__ import annotations

import base64
import logging

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

log = logging.getLogger("ssm_outcomes.security")

SESSION_HELD = "two_step_held"
DEVICE_NAME = "Authenticator app"


@receiver(user_logged_in)
def _hold_every_new_sign_in(sender, request, user, **kwargs):
    """A password sign-in starts a new two-step check, even in a session verified before."""
    if request is None or not hasattr(request, "session"):
        return
    if not hasattr(user, "otp_device"):
        request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.session[SESSION_HELD] = must_give_code(user)


def two_step_required(user: User) -> bool:
    """Administrators (and anyone who can open the admin site) must use two-step sign-in."""
    return user.role == User.Role.ADMIN or user.is_staff or user.is_superuser


def two_step_offered(user: User) -> bool:
    return not user.is_patient


def device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def must_give_code(user: User) -> bool:
    """Whether a fresh sign-in of this user is held until a code is given."""
    return two_step_required(user) or device_of(user) is not None


def _clean(code: str) -> str:
    """Authenticator apps show '123 456'; people type it with a space or a dash."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def _check(device: TOTPDevice, code: str) -> None:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(
            {"code": ["Too many wrong codes. Wait a minute, then try the newest code."]}
        )
    code = _clean(code)
    if not (len(code) == device.digits and code.isdigit()):
        raise ValidationError({"code": [f"Enter the {device.digits}-digit code from your app."]})
    if not device.verify_token(code):
        raise ValidationError(
            {"code": ["That code is wrong or has expired. Try the newest code in your app."]}
        )


def two_step_verify(*, request, code: str) -> TOTPDevice:
    """Check the code of a held sign-in; on success the session is released and renewed."""
    user = request.user
    device = device_of(user)
    if device is None:
        raise ValidationError({"code": ["Two-step sign-in is not set up for this account."]})
    _check(device, code)
    request.session.cycle_key()  # a new session id once the sign-in is complete
    django_otp.login(request, device)
    request.session.pop(SESSION_HELD, None)
    log.info("two-step sign-in completed", extra={"user_id": user.pk})
    return device


def two_step_pending_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: made once, kept while the user scans and confirms it."""
    if not two_step_offered(user):
        raise ValidationError("Two-step sign-in is for staff accounts.")
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def two_step_turn_on(*, request, code: str) -> TOTPDevice:
    """Confirm the authenticator being set up with its first code; the session counts as
    verified from then on."""
    user = request.user
    if device_of(user) is not None:
        raise ValidationError({"code": ["Two-step sign-in is already on."]})
    device = two_step_pending_device(user=user)
    _check(device, code)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session.pop(SESSION_HELD, None)
    log.info("two-step sign-in turned on", extra={"user_id": user.pk})
    return device


def two_step_turn_off(*, request, code: str) -> None:
    """Remove the user's authenticator; a current code proves it is really them."""
    user = request.user
    if two_step_required(user):
        raise ValidationError(
            {
                "code": [
                    "Administrators must keep two-step sign-in on. Ask another "
                    "administrator to reset it if you have lost your phone."
                ]
            }
        )
    device = device_of(user)
    if device is None:
        raise ValidationError({"code": ["Two-step sign-in is already off."]})
    _check(device, code)
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    log.info("two-step sign-in turned off", extra={"user_id": user.pk})


def api_code_problem(*, user: User, code: str | None) -> str | None:
    """What is wrong with the code given for an API token, or None (also when the user has no
    authenticator: whether that is allowed is the caller's rule)."""
    device = device_of(user)
    if device is None:
        return None
    if not code:
        return "this account uses two-step sign-in: give the 6-digit code from your app"
    try:
        _check(device, code)
    except ValidationError as error:
        return error.message_dict["code"][0]
    return None


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's set-up link as an SVG QR code, drawn on the server (no script, no image
    request): markup from our own library call, not from user input."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    return image.to_string(encoding="unicode")


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in groups of four, for people who type it into their app instead of scanning."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
