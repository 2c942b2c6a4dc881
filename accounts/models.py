"""The ways into an account besides the password: what lets someone set up two-step sign-in
(an e-mailed link or an administrator's approval), recovery codes, and API tokens.

No secret is stored as it was given out: links and API tokens are kept as SHA-256 hashes (their
tokens are long and random), recovery codes as keyed hashes (they are short enough to type).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin


def sha256(text: str) -> str:
    return hashlib.sha256(str(text).encode()).hexdigest()


class OpenQuerySet(models.QuerySet):
    """For one-time grants: those neither used nor expired."""

    def open(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class OneTimeGrant(models.Model):
    """Something that may be used once before it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def state(self) -> str:
        """open, used or expired."""
        if self.used_at is not None:
            return "used"
        return "open" if self.expires_at > timezone.now() else "expired"


class EnrolmentLink(OneTimeGrant):
    """A one-time link, e-mailed to the account's address, that lets its owner set up a first
    authenticator: proof of something a thief of the password alone does not have."""

    token_hash = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the token."))
    email = models.EmailField(help_text=_("Where the link was sent."))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("two-step set-up link")
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__lte=models.F("expires_at")),
                name="enrolment_link_used_before_expiry",
            )
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="enrolment_link_user_idx")]

    def __str__(self) -> str:
        return f"Two-step set-up link for {self.user} ({self.state})"


class EnrolmentApproval(OneTimeGrant):
    """An administrator's approval for a named user to set up a first authenticator without an
    e-mailed link (for accounts without an address, or an address they cannot reach)."""

    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("two-step set-up approval")
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__lte=models.F("expires_at")),
                name="enrolment_approval_used_before_expiry",
            )
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="enrolment_approval_user_idx")]

    def __str__(self) -> str:
        return f"Two-step set-up approval for {self.user} ({self.state})"


def normalise_recovery_code(code: str) -> str:
    """People type codes in either case, with or without the dash or spaces."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_code_hash(*, user_id: int, code: str, secret: str | bytes | None = None) -> str:
    """A keyed hash of a recovery code: the codes are short, so a plain hash of one could be
    found by trying them all; without the SECRET_KEY a copy of the database reveals nothing."""
    value = f"{user_id}:{normalise_recovery_code(code)}"
    return salted_hmac(
        "accounts.RecoveryCode", value, secret=secret, algorithm="sha256"
    ).hexdigest()


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A user's set of recovery codes, as a django-otp device, so that `django_otp.login`
    counts a recovery code as a second step. One per user; a new set replaces the codes, not the
    device, so sessions verified with it stay verified."""

    made_at = models.DateTimeField(default=timezone.now, help_text=_("When this set was made."))

    class Meta:
        verbose_name = _("recovery code set")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="recovery_code_device_one_per_user")
        ]

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)  # as the app's codes back off

    def codes_left(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token) -> bool:
        """True, once, for each unused code of the set; each wrong code doubles the wait."""
        if not self.verify_is_allowed()[0]:
            return False
        secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        hashes = [recovery_code_hash(user_id=self.user_id, code=token, secret=s) for s in secrets]
        with transaction.atomic():
            # A conditional update: two requests with the same code cannot both use it.
            used = (
                self.codes.filter(code_hash__in=hashes, used_at__isnull=True)
                .order_by()
                .update(used_at=timezone.now())
            )
        if used:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, help_text=_("HMAC-SHA-256 of the code."))
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code_hash"], name="recovery_code_unique_in_set"
            )
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.device.user} ({'used' if self.used_at else 'unused'})"


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key for the REST API (`Authorization: Token <key>`). Only its SHA-256 is stored, with
    its first characters so that people can tell their tokens apart."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=64, help_text=_("What it is for: one token per integration.")
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text=_("The first characters."))
    key_hash = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the key."))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_name_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @staticmethod
    def hash_key(key: str) -> str:
        return sha256(key)

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()
