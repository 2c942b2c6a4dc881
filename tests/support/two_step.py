"""Two-step sign-in in tests: an authenticator for a user, its current code, a verified session."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator_for(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Test phone", confirmed=confirmed)


def code_now(device: TOTPDevice) -> str:
    """What the user's app shows now. A code is accepted once: take a new device for a second."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in_with_code(client, user) -> TOTPDevice:
    """A session that has passed both steps, as after password and code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    device = device or authenticator_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def set_up_approved(user, *, by=None):
    """An administrator's approval: `user` may set up a first authenticator."""
    from accounts.services import enrolment_approval_create

    return enrolment_approval_create(user=user, approved_by=by)


def link_in(message) -> str:
    """The path of the set-up link in an email."""
    import re

    return re.search(r"https?://[^/\s]+(/accounts/two-step/enrol/[^/\s]+/)", message.body).group(1)


def recovery_codes_on(html: str) -> list[str]:
    """The recovery codes a page shows."""
    import re

    return re.findall(r'<li><code class="secret">([a-z0-9-]+)</code></li>', html)
