"""Setting up a first authenticator needs more than the password: a one-time link e-mailed to the
account's address, or an administrator's approval. Every authenticator added or removed is
announced to that address."""

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EnrolmentApproval, EnrolmentLink
from tests.conftest import PASSWORD
from tests.support.two_step import (
    authenticator_for,
    code_now,
    link_in,
    set_up_approved,
    sign_in_with_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse(clinician):
    clinician.email = "nia@example.org"
    clinician.save(update_fields=["email"])
    return clinician


def password_sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def ask_for_a_link(client, capture) -> str:
    """Press "Email me a set-up link"; the path of the link in the email."""
    with capture(execute=True):
        response = client.post(reverse("two_step"), {"action": "send-link"})
    assert response.status_code == 302
    return link_in(mail.outbox[-1])


def test_the_password_alone_shows_no_set_up_key_and_makes_no_authenticator(client, admin_user):
    admin_user.email = "ada@example.org"
    admin_user.save(update_fields=["email"])

    landed = client.post(reverse("login"), {"username": "admin", "password": PASSWORD}, follow=True)

    html = landed.content.decode()
    assert landed.redirect_chain[-1][0].startswith(reverse("two_step"))
    assert "<svg" not in html
    assert 'class="secret"' not in html
    assert "Email me a set-up link" in html
    assert "a•••@example.org" in html  # enough for the owner, not the address itself
    assert "ada@example.org" not in html
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    refused = client.post(reverse("two_step"), {"code": "123456"})
    assert refused.context["form"].errors == {
        "code": ["Open the set-up link from your email first, then enter the code."]
    }


def test_the_e_mailed_link_lets_its_owner_set_up_the_app(
    client, nurse, django_capture_on_commit_callbacks
):
    password_sign_in(client, nurse)
    path = ask_for_a_link(client, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    assert message.subject == "Set up two-step sign-in for SSM Outcomes"
    assert "It works once, for 30 minutes." in message.body
    assert "someone else knows your password" in message.body
    token = path.rstrip("/").rsplit("/", 1)[1]
    link = EnrolmentLink.objects.get(user=nurse)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.expires_at - link.created_at == dt.timedelta(minutes=30)
    page = client.get(reverse("two_step")).content.decode()
    assert "We sent a set-up link to <strong>n•••@example.org</strong>" in page
    assert "<svg" not in page

    opened = client.get(path)
    assert opened["Location"] == reverse("two_step_enrol", args=["continue"])
    assert token not in client.get(opened["Location"])["Location"]
    page = client.get(reverse("two_step"))
    assert "<svg" in page.content.decode()
    pending = TOTPDevice.objects.get(user=nurse, confirmed=False)

    done = client.post(reverse("two_step"), {"code": code_now(pending)})

    assert done.status_code == 200
    assert "Your recovery codes" in done.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed
    link.refresh_from_db()
    assert link.state == "used"


def test_a_link_works_once_and_for_30_minutes_only(
    client, nurse, django_capture_on_commit_callbacks
):
    password_sign_in(client, nurse)
    path = ask_for_a_link(client, django_capture_on_commit_callbacks)
    EnrolmentLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    expired = client.get(path, follow=True)

    assert expired.status_code == 410
    assert "This link has expired: links work for 30 minutes." in expired.content.decode()
    assert "<svg" not in client.get(reverse("two_step")).content.decode()

    EnrolmentLink.objects.update(
        expires_at=timezone.now() + dt.timedelta(minutes=5), used_at=timezone.now()
    )
    used = client.get(path, follow=True)
    assert used.status_code == 410
    assert "This link has been used already." in used.content.decode()


def test_a_link_opened_while_signed_in_as_someone_else_is_refused(
    client, nurse, manager, django_capture_on_commit_callbacks
):
    password_sign_in(client, nurse)
    path = ask_for_a_link(client, django_capture_on_commit_callbacks)
    client.post(reverse("logout"))
    client.force_login(manager)

    refused = client.get(path, follow=True)

    assert refused.status_code == 400
    assert "This link was sent for another account." in refused.content.decode()
    assert not TOTPDevice.objects.filter(user__in=[nurse, manager]).exists()
    assert "<svg" not in client.get(reverse("two_step")).content.decode()


def test_a_link_opened_before_signing_in_carries_on_after_the_password(
    client, nurse, django_capture_on_commit_callbacks
):
    password_sign_in(client, nurse)
    path = ask_for_a_link(client, django_capture_on_commit_callbacks)
    client.post(reverse("logout"))

    to_sign_in = client.get(path, follow=True)
    assert to_sign_in.redirect_chain[-1][0].startswith(reverse("login") + "?next=")
    assert "two-step/enrol/continue/" in to_sign_in.redirect_chain[-1][0]
    signed_in = client.post(
        to_sign_in.redirect_chain[-1][0],
        {"username": "nurse", "password": PASSWORD},
        follow=True,
    )

    assert signed_in.redirect_chain[-1][0] == reverse("two_step")
    assert "<svg" in signed_in.content.decode()


def test_a_key_shown_before_the_link_was_opened_is_worthless(
    client, nurse, django_capture_on_commit_callbacks
):
    seen_by_a_thief = TOTPDevice.objects.create(user=nurse, name="old", confirmed=False)
    password_sign_in(client, nurse)
    path = ask_for_a_link(client, django_capture_on_commit_callbacks)

    client.get(path, follow=True)

    assert not TOTPDevice.objects.filter(pk=seen_by_a_thief.pk).exists()
    refused = client.post(reverse("two_step"), {"code": code_now_of_deleted(seen_by_a_thief)})
    assert refused.context["form"].errors["code"] == [
        "That code is wrong or has expired. Try the newest code in your app."
    ]


def code_now_of_deleted(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_links_are_sent_at_most_once_a_minute(client, nurse, django_capture_on_commit_callbacks):
    password_sign_in(client, nurse)
    ask_for_a_link(client, django_capture_on_commit_callbacks)

    again = client.post(reverse("two_step"), {"action": "send-link"})

    assert again.status_code == 200
    assert "We sent you a link less than a minute ago." in again.content.decode()
    assert len(mail.outbox) == 1
    assert EnrolmentLink.objects.filter(user=nurse).count() == 1


def test_an_account_without_an_email_address_is_told_to_ask_an_administrator(client, clinician):
    password_sign_in(client, clinician)

    html = client.get(reverse("two_step")).content.decode()

    assert "Your account has no email address, so we cannot send you a set-up link." in html
    assert "Ask an administrator to approve setting up two-step sign-in" in html
    assert "Email me a set-up link" not in html
    refused = client.post(reverse("two_step"), {"action": "send-link"})
    assert "Ask an administrator to approve" in refused.content.decode()
    assert not EnrolmentLink.objects.exists()


def test_an_administrator_approves_set_up_in_the_admin_and_it_works_once_within_24_hours(
    client, admin_user, clinician
):
    sign_in_with_code(client, admin_user)
    added = client.post(reverse("admin:accounts_enrolmentapproval_add"), {"user": clinician.pk})
    assert added.status_code == 302, added.content.decode()
    approval = EnrolmentApproval.objects.get(user=clinician)
    assert approval.approved_by == admin_user
    assert approval.expires_at - approval.created_at == dt.timedelta(hours=24)

    nurse = type(client)()
    password_sign_in(nurse, clinician)
    assert "<svg" in nurse.get(reverse("two_step")).content.decode()
    pending = TOTPDevice.objects.get(user=clinician, confirmed=False)
    assert nurse.post(reverse("two_step"), {"code": code_now(pending)}).status_code == 200

    approval.refresh_from_db()
    assert approval.state == "used"


def test_an_approval_left_for_a_day_no_longer_works(client, clinician):
    set_up_approved(clinician)
    EnrolmentApproval.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    password_sign_in(client, clinician)

    assert "<svg" not in client.get(reverse("two_step")).content.decode()


def test_the_admin_refuses_approvals_for_patients_themselves_and_people_with_an_app(
    client, admin_user, patient, manager
):
    sign_in_with_code(client, admin_user)
    authenticator_for(manager)
    url = reverse("admin:accounts_enrolmentapproval_add")

    errors = {
        who.username: client.post(url, {"user": who.pk}).context["adminform"].form.errors["user"]
        for who in (patient.user, admin_user, manager)
    }

    assert errors == {
        "pat": ["Patients are not asked for two-step sign-in."],
        "admin": ["Another administrator must approve your own set-up."],
        "manager": [
            "manager already has an authenticator. Delete it first (TOTP devices) if they have "
            "lost their phone."
        ],
    }
    assert not EnrolmentApproval.objects.exists()


def test_patients_are_never_sent_a_set_up_link(client, patient):
    patient.user.email = "pat@example.org"
    patient.user.save(update_fields=["email"])
    client.force_login(patient.user)

    assert client.post(reverse("two_step"), {"action": "send-link"}).status_code == 403
    assert mail.outbox == []


def test_adding_and_removing_an_authenticator_are_announced_to_the_account(
    client, nurse, django_capture_on_commit_callbacks
):
    set_up_approved(nurse)
    password_sign_in(client, nurse)
    client.get(reverse("two_step"))
    pending = TOTPDevice.objects.get(user=nurse, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("two_step"), {"code": code_now(pending)})
    [added] = mail.outbox
    assert (added.to, added.subject) == (
        ["nia@example.org"],
        "Two-step sign-in was set up on your SSM Outcomes account",
    )
    assert "An authenticator app was set up for two-step sign-in." in added.body

    pending.refresh_from_db()
    pending.last_t = -1  # as if the next 30 s had come
    pending.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("two_step"), {"code": code_now(pending)})  # turn it off

    assert [(m.to, m.subject) for m in mail.outbox[1:]] == [
        (["nia@example.org"], "Two-step sign-in was removed from your SSM Outcomes account")
    ]
    assert "by you or by an administrator" in mail.outbox[1].body


def test_an_administrator_deleting_an_authenticator_in_the_admin_is_announced(
    client, admin_user, nurse, django_capture_on_commit_callbacks
):
    device = authenticator_for(nurse)
    sign_in_with_code(client, admin_user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(
            reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
        )

    assert deleted.status_code == 302
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["nia@example.org"], "Two-step sign-in was removed from your SSM Outcomes account")
    ]


def test_deleting_a_whole_account_sends_no_notice(nurse, django_capture_on_commit_callbacks):
    authenticator_for(nurse)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        nurse.delete()

    assert mail.outbox == []
