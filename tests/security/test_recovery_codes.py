"""Recovery codes: ten one-time codes shown once when two-step sign-in is set up, stored as keyed
hashes, each usable once instead of the app's code; a new set (for a current code) ends the old."""

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, RecoveryCodeDevice, recovery_code_hash
from accounts.services import recovery_codes_create
from tests.conftest import PASSWORD
from tests.support.two_step import (
    authenticator_for,
    code_now,
    recovery_codes_on,
    set_up_approved,
    sign_in_with_code,
)

pytestmark = pytest.mark.django_db


def password_sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


@pytest.fixture
def nurse(clinician):
    clinician.email = "nia@example.org"
    clinician.save(update_fields=["email"])
    return clinician


@pytest.fixture
def codes(nurse):
    authenticator_for(nurse)
    return recovery_codes_create(user=nurse)


def test_setting_up_shows_ten_codes_once_and_stores_only_keyed_hashes(client, nurse):
    set_up_approved(nurse)
    client.force_login(nurse)
    client.get(reverse("two_step"))
    pending = TOTPDevice.objects.get(user=nurse, confirmed=False)

    shown = client.post(reverse("two_step"), {"code": code_now(pending)}).content.decode()

    codes = recovery_codes_on(shown)
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert "This is the only time we show them." in shown
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {recovery_code_hash(user_id=nurse.pk, code=code) for code in codes}
    assert not stored & {code.replace("-", "") for code in codes}
    for page in ("two_step", "two_step_recovery_codes"):
        html = client.get(reverse(page)).content.decode()
        assert not any(code in html for code in codes), page
    assert (
        "You have <strong>10</strong> recovery codes left."
        in client.get(reverse("two_step")).content.decode()
    )


def test_a_recovery_code_signs_in_once_instead_of_the_apps_code(
    client, nurse, codes, patient, django_capture_on_commit_callbacks
):
    password_sign_in(client, nurse)
    code_page = client.get(reverse("two_step_verify")).content.decode()
    assert "Lost your phone?" in code_page
    assert f'href="{reverse("two_step_recovery")}">Use a recovery code</a>' in code_page

    before = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("two_step_recovery"), {"code": codes[0].upper().replace("-", " ")}
        )

    assert response.status_code == 302
    assert client.session.session_key != before
    home = client.get(reverse("home"), follow=True).content.decode()
    assert "You signed in with a recovery code. You have 9 left." in home
    assert client.get(reverse("clinic:patient", args=[patient.pk])).status_code == 200
    [notice] = mail.outbox
    assert notice.to == ["nia@example.org"]
    assert notice.subject == "A recovery code was used to sign in to your SSM Outcomes account"
    assert "You have 9 recovery codes left." in notice.body
    assert codes[0] not in notice.body

    client.post(reverse("logout"))
    password_sign_in(client, nurse)
    again = client.post(reverse("two_step_recovery"), {"code": codes[0]})
    assert again.context["form"].errors == {
        "code": ["That recovery code is wrong or has been used already."]
    }
    assert client.get(reverse("account")).status_code == 302


def test_wrong_recovery_codes_are_slowed_like_the_apps_codes(client, nurse, codes):
    password_sign_in(client, nurse)
    client.post(reverse("two_step_recovery"), {"code": "aaaaa-aaaaa"})

    response = client.post(reverse("two_step_recovery"), {"code": codes[1]})

    assert response.context["form"].errors["code"] == [
        "Too many wrong codes. Wait a minute, then try the newest code."
    ]
    assert client.get(reverse("account")).status_code == 302
    device = RecoveryCodeDevice.objects.get(user=nurse)
    assert device.throttling_failure_count == 1
    assert device.codes_left() == 10


def test_a_recovery_code_must_look_like_one(client, nurse, codes):
    password_sign_in(client, nurse)

    response = client.post(reverse("two_step_recovery"), {"code": "123456"})

    assert response.context["form"].errors["code"] == [
        "Enter a recovery code: 10 letters and numbers, like abcde-23456."
    ]
    assert RecoveryCodeDevice.objects.get(user=nurse).throttling_failure_count == 0


def test_a_new_set_needs_a_current_code_and_ends_the_old_codes(
    client, nurse, codes, django_capture_on_commit_callbacks
):
    device = sign_in_with_code(client, nurse)
    page = reverse("two_step_recovery_codes")
    assert "You have <strong>10</strong> recovery codes left." in client.get(page).content.decode()

    refused = client.post(page, {"code": "000000" if code_now(device) != "000000" else "111111"})
    assert refused.context["form"].errors["code"] == [
        "That code is wrong or has expired. Try the newest code in your app."
    ]
    device.throttle_reset()
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(page, {"code": code_now(device)})

    new = recovery_codes_on(made.content.decode())
    assert len(new) == 10
    assert not set(new) & set(codes)
    assert "Your old recovery codes no longer work." in made.content.decode()
    assert [m.subject for m in mail.outbox] == [
        "New recovery codes were made for your SSM Outcomes account"
    ]
    client.post(reverse("logout"))
    password_sign_in(client, nurse)
    old = client.post(reverse("two_step_recovery"), {"code": codes[2]})
    assert old.context["form"].errors["code"] == [
        "That recovery code is wrong or has been used already."
    ]
    RecoveryCodeDevice.objects.filter(user=nurse).update(throttling_failure_count=0)
    assert client.post(reverse("two_step_recovery"), {"code": new[0]}).status_code == 302


def test_turning_two_step_off_ends_the_recovery_codes(client, nurse, codes):
    device = sign_in_with_code(client, nurse)

    client.post(reverse("two_step"), {"code": code_now(device)})

    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert not RecoveryCodeDevice.objects.filter(user=nurse).exists()
    assert not RecoveryCode.objects.exists()


def test_a_held_session_may_use_a_recovery_code_but_not_make_new_ones(client, nurse, codes):
    password_sign_in(client, nurse)

    assert client.get(reverse("two_step_recovery")).status_code == 200
    held = client.get(reverse("two_step_recovery_codes"))
    assert held.status_code == 302
    assert held["Location"].startswith(reverse("two_step_verify"))


def test_an_account_set_up_before_recovery_codes_is_told_it_has_none(client, nurse):
    authenticator_for(nurse)  # set up before recovery codes existed
    password_sign_in(client, nurse)

    response = client.post(reverse("two_step_recovery"), {"code": "abcde-23456"})

    assert response.context["form"].errors["code"] == [
        "This account has no recovery codes. Ask an administrator to remove your "
        "authenticator, then set up two-step sign-in again."
    ]
