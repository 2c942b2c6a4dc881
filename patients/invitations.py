"""The portal's front door: inviting a patient without a login (a one-time link), accepting an
invitation, helping a patient with a login to sign in (at their own address), and closing a
login so the patient can be invited again. Staff never see a link that opens an existing login."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import get_language, gettext_lazy

from patients.audit import Audit, audited
from patients.emails import email_message, portal_email, site_link
from patients.models import (
    Invitation,
    Patient,
    User,
)
from patients.validation import email_checked, full_clean, refused_together, rule
from ssm_outcomes.languages import language_checked, language_for, language_offered

INVITATION_DAYS = 7
#: A printed letter is handed out and taken home: its link lasts longer.
LETTER_DAYS = 28
# Letters carry a short code a person can type: 12 of these 30 characters (about 59 bits; none
# of 0/O, 1/I/L or U/V to mix up), shown in groups of four.
SHORT_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
SHORT_LENGTH = 12


def short_token() -> str:
    return "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))


def token_as_typed(token: str) -> str:
    """A letter's short code as someone may type it (lower case, spaces or dashes between the
    groups) in the form it was made; any other token as it is."""
    squeezed = token.replace("-", "").replace(" ", "").upper()
    if len(squeezed) == SHORT_LENGTH and all(char in SHORT_ALPHABET for char in squeezed):
        return squeezed
    return token


def short_token_grouped(token: str) -> str:
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


#: The query parameter of an invitation link naming the language its welcome page opens in.
LINK_LANGUAGE = "lang"


INVITATION_REFUSED = {
    "used": gettext_lazy(
        "This link has already been used. Sign in with the password you chose. If you have "
        "forgotten it, choose “Forgotten your password?” on the sign-in page."
    ),
    "expired": gettext_lazy("This link has expired. Ask your care team to send you a new one."),
    "has_login": gettext_lazy(
        "This link cannot be used because you already have a login. Sign in with "
        "your username and password. If you have forgotten your password, choose "
        "“Forgotten your password?” on the sign-in page."
    ),
}


HAS_LOGIN = gettext_lazy(
    "This patient already has a portal login. Their password and email address are theirs "
    "alone: send them sign-in help instead."
)


@transaction.atomic
def invitation_create(
    *,
    patient: Patient,
    created_by: User | None,
    email: str = "",
    days: int = INVITATION_DAYS,
    language: str = "",
    audit: Audit | None = None,
    short: bool = False,
) -> tuple[Invitation, str]:
    """Make a one-time link for a patient without a login to choose one; email it when there is
    an address. A patient who has a login is refused: a link would let whoever
    holds it set that login's password, so they get `sign_in_help_send` instead.

    The email is written in `language` (a code of settings.LANGUAGES), and its link opens the
    welcome page in it (`invitation_link`); without one, in the language of the page the
    invitation is made on (the clinician's), as the patient has no login to have chosen one yet.

    Returns the invitation and the link's token, which is never stored: show or send it now.
    ``short``: a code short enough to type from a printed letter (``short_token``).
    """
    if patient.user_id is not None:
        raise ValidationError({"email": ValidationError(HAS_LOGIN, code="has_login")})
    email = email_checked(
        email, gettext_lazy("%(field)s must be an email address, like name@example.org")
    )
    language = language_checked(language) or get_language() or settings.LANGUAGE_CODE
    now = timezone.now()
    # Only the newest link works: making one retires any still open.
    Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = short_token() if short else secrets.token_urlsafe(32)
    invitation = full_clean(
        Invitation(
            patient=patient,
            token_hash=Invitation.hash_token(token),
            email=email,
            created_by=created_by,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    invitation.save()
    if email:
        message = portal_email(
            "invitation",
            {
                "patient": patient,
                "inviter": created_by,
                "link": invitation_link(token, language),
                "expires_at": invitation.expires_at,
            },
            email,
            language=language,
        )
        # A mail server that is down must not undo the invitation: the link is shown too.
        transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return invitation, token


def invitation_link(token: str, language: str = "") -> str:
    """The full link of an invitation; its welcome page opens in `language` (a code of
    settings.LANGUAGES, as the email is written in), when one is given and offered."""
    link = site_link("portal:welcome", token=token)
    language = (language or "").lower()
    return f"{link}?{urlencode({LINK_LANGUAGE: language})}" if language_offered(language) else link


def masked_email(address: str) -> str:
    """Enough of an address for staff to confirm it with the patient, not enough to read it:
    "pat.smith@example.org" → "p••••••••@e••••••.org"."""
    local, _at, domain = address.partition("@")
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""

    def hide(part: str) -> str:
        return part[:1] + "•" * max(len(part) - 1, 1) if part else ""

    return f"{hide(local)}@{hide(name)}{dot}{tld}"


@transaction.atomic
def set_password_link(user: User) -> str:
    """A one-time link for ``user`` to choose a password (Django's reset link, valid
    ``PASSWORD_RESET_TIMEOUT``): for sign-in help and for staff's first sign-in."""
    return site_link(
        "password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def set_password_days() -> int:
    """How many days a set-password link works, in whole days (at least one)."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def sign_in_help_send(
    *, patient: Patient, requested_by: User | None, audit: Audit | None = None
) -> str:
    """Email a patient who has a login their username and a link to choose a new password, at
    the address on their login (the only one staff can cause mail to go to). Returns that
    address masked, or "" when the login has no address and nothing could be sent; staff then
    print a sign-in letter, which carries no link."""
    user = patient.user
    if user is None:
        raise rule(
            "patient",
            gettext_lazy("This patient has no portal login yet: invite them."),
            "no_login",
        )
    if not user.email:
        return ""
    message = portal_email(
        "sign_in_help",
        {
            "user": user,
            "requested_by": requested_by,
            "sign_in_link": site_link("login"),
            "reset_link": set_password_link(user),
            "reset_days": set_password_days(),
        },
        user.email,
        language=language_for(user),
    )
    transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return masked_email(user.email)


@transaction.atomic
def portal_login_close(
    *, patient: Patient, closed_by: User | None, audit: Audit | None = None
) -> User | None:
    """End a patient's portal login (administrators only, for example when they can no longer
    sign in and have no email address): the login is switched off and unlinked, never given a
    new password, and the patient can then be invited to make a new one. Its address is told."""
    user = patient.user
    if user is None:
        return None
    user.is_active = False
    user.save(update_fields=["is_active"])
    patient.user = None
    patient.save(update_fields=["user", "updated_at"])
    if user.email:
        message = portal_email(
            "login_closed",
            {"user": user, "closed_by": closed_by},
            user.email,
            language=language_for(user),
        )
        transaction.on_commit(message.send, robust=True)
    audited(audit, patient)
    return user


def _username_free(username: str) -> None:
    if not username:
        raise rule("username", gettext_lazy("Choose a username."), "username_empty")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise rule(
            "username",
            gettext_lazy("Use only letters, numbers and the signs . - _ @ + in a username."),
            "username_invalid",
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise rule(
            "username",
            gettext_lazy("Someone already has that username. Try another."),
            "username_taken",
        )


def login_checked(*, username: str, email: str, password: str) -> User:
    """A patient's new login as chosen, not saved: the username free, the email address an
    address or empty, the password strong enough (``password``). Every problem is raised at
    once, so the welcome page can show them together."""
    user = User(username=(username or "").strip(), role=User.Role.PATIENT)

    def email_set() -> None:
        user.email = email_checked(
            email, gettext_lazy("Write an email address like name@example.org, or leave it empty.")
        )

    def password_strong() -> None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.error_list}) from None

    refused_together(lambda: _username_free(user.username), email_set, password_strong)
    return user


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    password: str,
    username: str = "",
    email: str = "",
    language: str = "",
    audit: Audit | None = None,
) -> User:
    """Use an open invitation: make the patient's login with the username and password they chose,
    the email address they typed (never the one the invitation was sent to, which staff chose)
    and the language they read the portal in (a code of settings.LANGUAGES; "" follows their
    browser, and emails then go in the site's default).

    An invitation never changes an existing login: one made before the patient had a login is
    refused once they have one. With ``audit``, the patient's access log says when the login was
    made and by whom, when someone signed in made it.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("patient__user")
        .get(pk=invitation.pk)
    )
    if invitation.state != "open":
        raise ValidationError(INVITATION_REFUSED[invitation.state], code=invitation.state)
    patient = invitation.patient
    if patient.user_id is not None:
        raise ValidationError(INVITATION_REFUSED["has_login"], code="has_login")
    user = login_checked(username=username, email=email, password=password)
    user.language = language_checked(language)
    user.set_password(password)
    user.save()
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(used_at=now)
    Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    audited(audit, patient)
    return user


@dataclass(frozen=True)
class Invited:
    """One patient of a bulk invitation: emailed, or to be handed a printed letter."""

    patient: Patient
    invitation: Invitation
    token: str
    language: str

    @property
    def emailed(self) -> bool:
        return bool(self.invitation.email)


def invitations_bulk(
    *, patients: Iterable[Patient], created_by: User, audit: Audit | None = None
) -> tuple[list[Invited], list[Patient]]:
    """Invite many patients at once: those with an email address get the invitation email in
    their language; the others a short code for a printed letter (``LETTER_DAYS``). Patients who
    have a login are left out (they get sign-in help, never a link) and returned second."""
    invited, have_login = [], []
    for patient in patients:
        if patient.user_id is not None:
            have_login.append(patient)
            continue
        language = language_checked(patient.language) or get_language() or settings.LANGUAGE_CODE
        invitation, token = invitation_create(
            patient=patient,
            created_by=created_by,
            email=patient.email,
            language=language,
            days=INVITATION_DAYS if patient.email else LETTER_DAYS,
            audit=audit,
            short=not patient.email,
        )
        invited.append(Invited(patient, invitation, token, language))
    return invited, have_login


def staff_invitation_send(*, user: User, invited_by: User | None) -> bool:
    """Email a clinician, manager or administrator their username and a link to choose their
    password (valid ``PASSWORD_RESET_TIMEOUT``), in their language. Patients are invited through
    their record instead; an account without an address gets nothing (False)."""
    if user.is_patient or not user.email or not user.is_active:
        return False
    message = email_message(
        "account/email/staff_invitation",
        {
            "user": user,
            "invited_by": invited_by,
            "sign_in_link": site_link("login"),
            "set_password_link": set_password_link(user),
            "days": set_password_days(),
        },
        user.email,
        language=language_for(user),
    )
    transaction.on_commit(message.send, robust=True)
    return True
