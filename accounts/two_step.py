"""Two-step sign-in: a password, then a 6-digit code from an authenticator app (TOTP), or one of
the user's recovery codes when the phone is lost.

Staff (clinicians, managers) may turn it on; administrators must. Patients are not offered it:
their portal shows one person's own record, and a second device would shut out the people with
little digital confidence whom the portal is for.

After the password, the session is signed in but *held*: `TwoStepMiddleware` lets it reach only
the two-step pages and sign-out until a code is given (`two_step_verify`, `two_step_recover`).
Codes come from django-otp's `TOTPDevice`, which refuses a code used once already and slows down
guessing (each wrong code doubles the wait before the next is checked); recovery codes work the
same way (`RecoveryCodeDevice`). These services are deliberately not wrapped in a transaction: a
wrong code's count must be saved even though the request fails.

Setting up a *first* authenticator needs more than the password, or whoever stole a password could
enrol their own phone: the session must hold a grant, either a one-time link e-mailed to the
account's address (`enrolment_link_open`) or an administrator's approval (`enrolment_grant_take`).
Taking a grant makes a fresh key, so a key shown before the grant is worthless.
"""

from __future__ import annotations

import base64
import logging

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User
from ssm_outcomes.digits import ascii_digits

from .models import EnrolmentApproval, EnrolmentLink, normalise_recovery_code
from .selectors import device_of, enrolment_approval_open, recovery_device_of
from .services import (
    RECOVERY_CODE_LENGTH,
    enrolment_grants_close,
    enrolment_link_for_token,
    recovery_codes_create,
    two_step_notice_send,
)

log = logging.getLogger("ssm_outcomes.security")

SESSION_HELD = "two_step_held"
SESSION_GRANT = "two_step_enrolment_grant"  # {"kind": "link" | "approval", "id": ..., "user": ...}
DEVICE_NAME = "Authenticator app"
TOO_MANY = gettext_lazy("Too many wrong codes. Wait a minute, then try the newest code.")
GRANTS = {"link": EnrolmentLink, "approval": EnrolmentApproval}
LINK_REFUSED = {
    "used": gettext_lazy(
        "This link has been used already. If you still need to set up two-step sign-in, "
        "ask for a new link."
    ),
    "expired": gettext_lazy(
        "This link has expired: links work for 30 minutes. Ask for a new link."
    ),
}


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


def must_give_code(user: User) -> bool:
    """Whether a fresh sign-in of this user is held until a code is given."""
    return two_step_required(user) or device_of(user) is not None


def _clean(code: str) -> str:
    """Authenticator apps show '123 456'; people type it with a space or a dash."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def _check(device: TOTPDevice, code: str) -> None:
    allowed, _why = device.verify_is_allowed()
    if not allowed:
        raise ValidationError({"code": [TOO_MANY]})
    code = _clean(code)
    if not (len(code) == device.digits and ascii_digits(code)):
        raise ValidationError(
            {
                "code": [
                    _("Enter the %(digits)d-digit code from your app.") % {"digits": device.digits}
                ]
            }
        )
    if not device.verify_token(code):
        raise ValidationError(
            {"code": [_("That code is wrong or has expired. Try the newest code in your app.")]}
        )


def _signed_in_with(request, device) -> None:
    """The second step is done: a new session id, the device remembered, the hold lifted."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session.pop(SESSION_HELD, None)


def two_step_verify(*, request, code: str) -> TOTPDevice:
    """Check the code of a held sign-in; on success the session is released and renewed."""
    user = request.user
    device = device_of(user)
    if device is None:
        raise ValidationError({"code": [_("Two-step sign-in is not set up for this account.")]})
    _check(device, code)
    _signed_in_with(request, device)
    log.info("two-step sign-in completed", extra={"user_id": user.pk})
    return device


def two_step_recover(*, request, code: str) -> int:
    """Sign in with a recovery code instead of the app's code; each code works once. Returns how
    many codes are left. The account's owner is told by email."""
    user = request.user
    device = recovery_device_of(user) if device_of(user) else None
    if device is None or not device.codes.exists():
        raise ValidationError(
            {
                "code": [
                    _(
                        "This account has no recovery codes. Ask an administrator to remove your "
                        "authenticator, then set up two-step sign-in again."
                    )
                ]
            }
        )
    if not device.verify_is_allowed()[0]:
        raise ValidationError({"code": [TOO_MANY]})
    if len(normalise_recovery_code(code)) != RECOVERY_CODE_LENGTH:
        raise ValidationError(
            {"code": [_("Enter a recovery code: 10 letters and numbers, like abcde-23456.")]}
        )
    if not device.verify_token(code):
        raise ValidationError(
            {"code": [_("That recovery code is wrong or has been used already.")]}
        )
    _signed_in_with(request, device)
    left = device.codes_left()
    two_step_notice_send(user=user, event="recovery_used", codes_left=left)
    log.info("two-step sign-in completed with a recovery code", extra={"user_id": user.pk})
    return left


# --- Setting up a first authenticator ----------------------------------------------------------


def _grant(request, kind: str, grant) -> None:
    """Keep the grant in the session and make a fresh key for the authenticator to set up."""
    user = request.user
    request.session[SESSION_GRANT] = {"kind": kind, "id": grant.pk, "user": user.pk}
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def enrolment_grant_held(*, request) -> EnrolmentLink | EnrolmentApproval | None:
    """The open link or approval this session may use to set up an authenticator, if any."""
    held = request.session.get(SESSION_GRANT)
    if not held:
        return None
    grant = (
        GRANTS[held["kind"]].objects.open().filter(pk=held["id"], user=request.user).first()
        if held.get("kind") in GRANTS and held.get("user") == request.user.pk
        else None
    )
    if grant is None:
        request.session.pop(SESSION_GRANT, None)
    return grant


def enrolment_grant_take(*, request) -> EnrolmentLink | EnrolmentApproval | None:
    """The session's grant; failing that, an administrator's open approval for this user, which
    the first session to come here takes."""
    if grant := enrolment_grant_held(request=request):
        return grant
    if device_of(request.user) is None and (approval := enrolment_approval_open(user=request.user)):
        _grant(request, "approval", approval)
        return approval
    return None


def enrolment_link_open(*, request, token: str) -> EnrolmentLink:
    """Take the e-mailed link into this session, which must be signed in as the link's user."""
    link = enrolment_link_for_token(token=token)
    if link is None:
        raise ValidationError(
            _("This link is not valid. Check that you copied all of it."), code="invalid"
        )
    if link.user_id != request.user.pk:
        raise ValidationError(
            _(
                "This link was sent for another account. Sign out, then sign in as the person "
                "the email was sent to and open the link again."
            ),
            code="another_account",
        )
    if link.state != "open":
        raise ValidationError(LINK_REFUSED[link.state], code=link.state)
    if device_of(request.user) is not None:
        raise ValidationError(
            _("Two-step sign-in is already set up for this account."), code="already_on"
        )
    _grant(request, "link", link)
    return link


def two_step_pending_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: made when a grant is taken, kept while the user scans and
    confirms it."""
    if not two_step_offered(user):
        raise ValidationError(_("Two-step sign-in is for staff accounts."))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def two_step_turn_on(*, request, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with its first code, using up the session's grant.
    The session counts as verified from then on. Returns the device and a first set of recovery
    codes, to be shown now and never again."""
    user = request.user
    if device_of(user) is not None:
        raise ValidationError({"code": [_("Two-step sign-in is already on.")]})
    grant = enrolment_grant_held(request=request)
    if grant is None:
        raise ValidationError(
            {"code": [_("Open the set-up link from your email first, then enter the code.")]}
        )
    device = two_step_pending_device(user=user)
    _check(device, code)
    with transaction.atomic():
        locked = type(grant).objects.select_for_update().get(pk=grant.pk)
        if locked.state != "open":
            raise ValidationError({"code": [_("This set-up has been used or has expired.")]})
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        enrolment_grants_close(user=user)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_create(user=user)
    _signed_in_with(request, device)
    request.session.pop(SESSION_GRANT, None)
    log.info("two-step sign-in turned on", extra={"user_id": user.pk})
    return device, codes


def two_step_turn_off(*, request, code: str) -> None:
    """Remove the user's authenticator (and with it their recovery codes); a current code proves
    it is really them."""
    user = request.user
    if two_step_required(user):
        raise ValidationError(
            {
                "code": [
                    _(
                        "Administrators must keep two-step sign-in on. Ask another "
                        "administrator to reset it if you have lost your phone."
                    )
                ]
            }
        )
    device = device_of(user)
    if device is None:
        raise ValidationError({"code": [_("Two-step sign-in is already off.")]})
    _check(device, code)
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    log.info("two-step sign-in turned off", extra={"user_id": user.pk})


def recovery_codes_renew(*, request, code: str) -> list[str]:
    """A new set of recovery codes, for a current code from the app; the old set stops working."""
    user = request.user
    device = device_of(user)
    if device is None:
        raise ValidationError({"code": [_("Two-step sign-in is not set up for this account.")]})
    _check(device, code)
    codes = recovery_codes_create(user=user)
    two_step_notice_send(user=user, event="recovery_renewed")
    log.info("recovery codes renewed", extra={"user_id": user.pk})
    return codes


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
