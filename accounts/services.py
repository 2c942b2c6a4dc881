"""Writes about the ways into an account: set-up links and approvals for two-step sign-in,
recovery codes, API tokens, and the emails that tell the account's owner about each change.

Secrets made here (link tokens, recovery codes, API keys) are returned once, to be shown or sent
straight away, and only their hashes are stored.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.emails import email_message, site_link
from patients.models import User
from ssm_outcomes.languages import language_for

from .models import (
    ApiToken,
    EnrolmentApproval,
    EnrolmentLink,
    RecoveryCode,
    RecoveryCodeDevice,
    recovery_code_hash,
    sha256,
)
from .selectors import device_of

ENROLMENT_LINK_MINUTES = 30
ENROLMENT_LINK_RESEND_SECONDS = 60  # someone with the password alone must not flood the inbox
ENROLMENT_APPROVAL_HOURS = 24
RECOVERY_CODES = 10
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 10  # about 50 bits: guessing is throttled and each code works once
RECOVERY_DEVICE_NAME = "Recovery codes"
API_TOKEN_LAST_USED_EVERY = timedelta(minutes=1)  # not a write on every request


def _tell_the_owner(user: User, template: str, context: dict) -> None:
    """Email the account's address once the change commits; a mail server that is down must not
    undo the change."""
    if not user.email:
        return
    message = email_message(
        f"account/email/{template}",
        {"user": user, **context},
        user.email,
        language=language_for(user),
    )
    transaction.on_commit(message.send, robust=True)


def two_step_notice_send(*, user: User, event: str, codes_left: int | None = None) -> None:
    """Tell the account's owner that two-step sign-in changed: `enrolled`, `removed`,
    `recovery_used` or `recovery_renewed`."""
    _tell_the_owner(user, "two_step_notice", {"event": event, "codes_left": codes_left})


# --- Setting up a first authenticator ----------------------------------------------------------


def _may_set_up(user: User) -> None:
    if user.is_patient:
        raise ValidationError(_("Two-step sign-in is for staff accounts."))
    if device_of(user) is not None:
        raise ValidationError(_("Two-step sign-in is already set up for this account."))


@transaction.atomic
def enrolment_link_send(*, user: User, minutes: int = ENROLMENT_LINK_MINUTES) -> EnrolmentLink:
    """Email the account's address a one-time link to set up two-step sign-in; a newer link
    retires an older one."""
    _may_set_up(user)
    if not user.email:
        raise ValidationError(
            _(
                "Your account has no email address, so we cannot send you a link. Ask an "
                "administrator to approve setting up two-step sign-in for your account."
            )
        )
    now = timezone.now()
    # Two requests at once must not both pass the check below: one sender at a time.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    recent = now - timedelta(seconds=ENROLMENT_LINK_RESEND_SECONDS)
    if EnrolmentLink.objects.filter(user=user, created_at__gt=recent).exists():
        raise ValidationError(
            _(
                "We sent you a link less than a minute ago. Look for it in your email (and in "
                "the junk folder) before asking for another."
            )
        )
    EnrolmentLink.objects.open().filter(user=user).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        token_hash=sha256(token),
        email=user.email,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    _tell_the_owner(
        user,
        "two_step_link",
        {
            "link": site_link("two_step_enrol", token=token),
            "minutes": minutes,
            "expires_at": link.expires_at,
        },
    )
    return link


def enrolment_link_for_token(*, token: str) -> EnrolmentLink | None:
    """The link a token belongs to, whatever its state."""
    return EnrolmentLink.objects.select_related("user").filter(token_hash=sha256(token)).first()


def enrolment_approval_problem(*, user: User, approved_by: User | None) -> str | None:
    """Why an approval for `user` cannot be given, or None."""
    if user.is_patient:
        return _("Patients are not asked for two-step sign-in.")
    if not user.is_active:
        return _("This account is switched off.")
    if approved_by is not None and approved_by.pk == user.pk:
        return _("Another administrator must approve your own set-up.")
    if device_of(user) is not None:
        return _(
            "%(username)s already has an authenticator. Delete it first (TOTP devices) "
            "if they have lost their phone."
        ) % {"username": user.get_username()}
    return None


@transaction.atomic
def enrolment_approval_create(
    *, user: User, approved_by: User | None, hours: int = ENROLMENT_APPROVAL_HOURS
) -> EnrolmentApproval:
    """Let `user` set up a first authenticator without an e-mailed link, once, for `hours`."""
    if problem := enrolment_approval_problem(user=user, approved_by=approved_by):
        raise ValidationError({"user": [problem]})
    now = timezone.now()
    EnrolmentApproval.objects.open().filter(user=user).update(expires_at=now)
    return EnrolmentApproval.objects.create(
        user=user, approved_by=approved_by, created_at=now, expires_at=now + timedelta(hours=hours)
    )


def enrolment_grants_close(*, user: User) -> None:
    """Once an authenticator is set up, every other open link and approval of the user ends."""
    now = timezone.now()
    EnrolmentLink.objects.open().filter(user=user).update(expires_at=now)
    EnrolmentApproval.objects.open().filter(user=user).update(expires_at=now)


# --- Recovery codes ----------------------------------------------------------------------------


def _recovery_code() -> str:
    code = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _i in range(RECOVERY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def recovery_codes_create(*, user: User) -> list[str]:
    """A new set of one-time recovery codes for the user; the old ones stop working. Returns the
    codes, which are never stored: show them now."""
    device, _made = RecoveryCodeDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME}
    )
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        codes.add(_recovery_code())
    device.codes.all().delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=recovery_code_hash(user_id=user.pk, code=code))
        for code in codes
    )
    device.made_at = timezone.now()
    device.throttle_reset(commit=False)
    device.save()
    return sorted(codes)


def recovery_codes_end(*, user: User) -> None:
    """With no authenticator there is no second step to recover: the codes go with it."""
    RecoveryCodeDevice.objects.filter(user=user).delete()


# --- API tokens --------------------------------------------------------------------------------


def _unused_name(user: User, now) -> str:
    """A name for a token asked for without one: the date, made unique."""
    base = f"API sign-in {timezone.localtime(now):%d %b %Y %H:%M}"
    taken = set(
        ApiToken.objects.filter(user=user, name__startswith=base).values_list("name", flat=True)
    )
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name


def api_token_create(
    *, user: User, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for the user, named for what it is for. Returns the token and its key,
    which is never stored: show it now."""
    days = settings.API_TOKEN_DAYS if days is None else days
    name = " ".join((name or "").split())
    if len(name) > 64:
        raise ValidationError({"name": [_("Use 64 characters or fewer.")]})
    now = timezone.now()
    try:
        with transaction.atomic():
            # Expired tokens go when a new one is made, so their names can be used again.
            ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
            if name and ApiToken.objects.filter(user=user, name=name).exists():
                raise ValidationError(
                    {
                        "name": [
                            _(
                                "You already have a token called “%(name)s”. Choose another "
                                "name, or revoke that one first."
                            )
                            % {"name": name}
                        ]
                    }
                )
            key = secrets.token_hex(20)
            token = ApiToken.objects.create(
                user=user,
                name=name or _unused_name(user, now),
                prefix=key[: ApiToken.PREFIX_LENGTH],
                key_hash=ApiToken.hash_key(key),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
    except IntegrityError:  # the same name made at the same moment by another request
        raise ValidationError(
            {"name": [_("That name was just taken by another token. Choose another name.")]}
        ) from None
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken | None:
    """End one of the user's own tokens; None when they have no such token."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).delete()
    return token


def api_tokens_end(*, user: User) -> int:
    """End every token of the user (a new password, two-step sign-in turned on)."""
    deleted, _by_model = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_record_use(*, token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute: a conditional update, so a burst
    of requests writes once."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gt=now - API_TOKEN_LAST_USED_EVERY
    ).update(last_used_at=now)
    token.last_used_at = now
