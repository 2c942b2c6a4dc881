"""Two-step sign-in (TOTP): optional for clinicians and managers, required for administrators,
not offered to patients; a held session reaches nothing but the code page and sign-out."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.support.two_step import (
    authenticator_for,
    code_now,
    recovery_codes_on,
    set_up_approved,
    sign_in_with_code,
)

pytestmark = pytest.mark.django_db
HELD_API_MESSAGE = "Finish two-step sign-in first: give the code from your app."


def password_sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def wrong_code(device) -> str:
    return f"{(int(code_now(device)) + 1) % 1_000_000:06d}"


def test_a_clinician_without_two_step_goes_straight_in(client, clinician):
    password_sign_in(client, clinician)

    response = client.get(reverse("account"))
    assert response.status_code == 200
    assert "Two-step sign-in is <strong>off</strong>" in response.content.decode()
    assert client.get(reverse("clinic:caseload")).status_code == 200


def test_a_clinician_turns_two_step_on_with_a_code_from_the_app(client, clinician):
    client.force_login(clinician)
    set_up_approved(clinician)  # what the password alone cannot give: see test_two_step_set_up

    page = client.get(reverse("two_step"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html  # the QR code
    pending = TOTPDevice.objects.get(user=clinician, confirmed=False)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert secret.replace(" ", "") in pending.config_url  # the typed key is the scanned one

    refused = client.post(reverse("two_step"), {"code": wrong_code(pending)})
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "code": ["That code is wrong or has expired. Try the newest code in your app."]
    }
    pending.refresh_from_db()
    assert not pending.confirmed
    pending.throttle_reset()  # the wrong code made the next check wait

    before = client.session.session_key
    response = client.post(reverse("two_step"), {"code": code_now(pending)[:3] + " " + "x"})
    assert response.context["form"].errors == {"code": ["Enter the 6-digit code from your app."]}
    pending.throttle_reset()
    response = client.post(reverse("two_step"), {"code": code_now(pending)})
    assert response.status_code == 200
    assert len(recovery_codes_on(response.content.decode())) == 10
    pending.refresh_from_db()
    assert pending.confirmed
    assert client.session.session_key != before
    assert (
        "Two-step sign-in is <strong>on</strong>" in client.get(reverse("account")).content.decode()
    )


def test_after_the_password_a_clinician_with_two_step_reaches_nothing_until_the_code(
    client, clinician, patient
):
    device = authenticator_for(clinician)
    password_sign_in(client, clinician)
    record = reverse("clinic:patient", args=[patient.pk])

    held = client.get(record)
    assert held.status_code == 302
    assert (
        held["Location"]
        == f"{reverse('two_step_verify')}?next=%2Fclinic%2Fpatients%2F{patient.pk}%2F"
    )
    for path in [reverse("account"), reverse("dashboards:index"), reverse("two_step") + "x/"]:
        assert client.get(path).status_code == 302, path
    api = client.get(f"/api/v1/patients/{patient.pk}/")
    assert api.status_code == 403
    assert api.json() == {"detail": HELD_API_MESSAGE}

    verify_page = client.get(held["Location"])
    assert verify_page.status_code == 200
    assert "Enter your code" in verify_page.content.decode()
    refused = client.post(reverse("two_step_verify"), {"code": wrong_code(device), "next": record})
    assert refused.context["form"].errors["code"] == [
        "That code is wrong or has expired. Try the newest code in your app."
    ]
    assert client.get(record).status_code == 302
    device.throttle_reset()

    before = client.session.session_key
    response = client.post(reverse("two_step_verify"), {"code": code_now(device), "next": record})
    assert response.status_code == 302
    assert response["Location"] == record
    assert client.session.session_key != before
    assert client.get(record).status_code == 200
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 200


def test_a_code_is_accepted_once_only(client, clinician):
    device = authenticator_for(clinician)
    code = code_now(device)
    password_sign_in(client, clinician)
    assert client.post(reverse("two_step_verify"), {"code": code}).status_code == 302
    client.post(reverse("logout"))

    password_sign_in(client, clinician)
    again = client.post(reverse("two_step_verify"), {"code": code})
    assert again.status_code == 200
    assert again.context["form"].errors["code"] == [
        "That code is wrong or has expired. Try the newest code in your app."
    ]
    assert client.get(reverse("account")).status_code == 302


def test_guessing_is_slowed_even_the_right_code_waits(client, clinician):
    device = authenticator_for(clinician)
    password_sign_in(client, clinician)
    client.post(reverse("two_step_verify"), {"code": wrong_code(device)})

    response = client.post(reverse("two_step_verify"), {"code": code_now(device)})

    assert response.context["form"].errors["code"] == [
        "Too many wrong codes. Wait a minute, then try the newest code."
    ]
    assert client.get(reverse("account")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_signing_in_again_asks_for_a_new_code(client, clinician):
    sign_in_with_code(client, clinician)
    assert client.get(reverse("account")).status_code == 200

    client.force_login(clinician)  # a new sign-in in the same, already verified session

    assert client.get(reverse("account")).status_code == 302


def test_a_password_reset_signs_in_only_as_far_as_the_code(client, clinician):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    authenticator_for(clinician)
    uid = urlsafe_base64_encode(force_bytes(clinician.pk))
    token = default_token_generator.make_token(clinician)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    new = "a-new-long-passphrase-42"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )

    assert done.redirect_chain[-1][0].startswith(reverse("two_step_verify"))
    assert client.get(reverse("clinic:caseload")).status_code == 302


def test_a_held_session_can_still_sign_out(client, clinician):
    authenticator_for(clinician)
    password_sign_in(client, clinician)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_code_page_never_sends_people_to_another_site(client, clinician):
    device = authenticator_for(clinician)
    password_sign_in(client, clinician)

    response = client.post(
        reverse("two_step_verify"), {"code": code_now(device), "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_an_administrator_must_set_up_two_step_before_anything_else(client, admin_user):
    landed = client.post(
        reverse("login"),
        {"username": admin_user.username, "password": PASSWORD},
        follow=True,
    )
    assert landed.redirect_chain[-1][0].startswith(reverse("two_step") + "?next=")
    assert "Administrators must use two-step sign-in" in landed.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:patients_patient_changelist"))["Location"].startswith(
        reverse("two_step")
    )

    set_up_approved(admin_user)
    assert "<svg" in client.get(reverse("two_step")).content.decode()
    pending = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    response = client.post(
        reverse("two_step"), {"code": code_now(pending), "next": reverse("admin:index")}
    )
    assert response.status_code == 200
    assert f'href="{reverse("admin:index")}">I have saved my codes' in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_administrator_cannot_turn_two_step_off(client, admin_user):
    device = sign_in_with_code(client, admin_user)

    response = client.post(reverse("two_step"), {"code": code_now(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Administrators must keep two-step sign-in on. Ask another administrator to reset it "
        "if you have lost your phone."
    ]
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()


def test_a_manager_turns_two_step_off_with_a_current_code(client, manager):
    device = sign_in_with_code(client, manager)
    refused = client.post(reverse("two_step"), {"code": wrong_code(device)})
    assert refused.context["form"].errors["code"] == [
        "That code is wrong or has expired. Try the newest code in your app."
    ]
    assert TOTPDevice.objects.filter(user=manager).exists()
    device.throttle_reset()

    response = client.post(reverse("two_step"), {"code": code_now(device)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    client.post(reverse("logout"))
    password_sign_in(client, manager)
    assert client.get(reverse("dashboards:index")).status_code == 200


def test_patients_are_not_offered_two_step(client, patient):
    password_sign_in(client, patient.user)

    assert client.get(reverse("two_step")).status_code == 403
    assert client.get(reverse("portal:home")).status_code == 200
    assert "Two-step sign-in" not in client.get(reverse("home"), follow=True).content.decode()
    assert not TOTPDevice.objects.exists()


class TestApiToken:
    url = "/api/v1/auth/token/"

    def post(self, user, **extra):
        return APIClient().post(
            self.url, {"username": user.username, "password": PASSWORD, **extra}, format="json"
        )

    def test_without_two_step_the_contract_is_username_and_password(self, clinician):
        response = self.post(clinician)
        assert response.status_code == 200
        assert set(response.json()) == {"token", "name", "expires_at"}

    def test_with_two_step_the_code_is_needed_too(self, clinician):
        device = authenticator_for(clinician)

        missing = self.post(clinician)
        assert missing.status_code == 400
        assert missing.json() == {
            "otp_code": ["this account uses two-step sign-in: give the 6-digit code from your app"]
        }
        wrong = self.post(clinician, otp_code=wrong_code(device))
        assert wrong.status_code == 400
        assert wrong.json()["otp_code"] == [
            "That code is wrong or has expired. Try the newest code in your app."
        ]
        device.throttle_reset()
        right = self.post(clinician, otp_code=code_now(device))
        assert right.status_code == 200
        assert len(right.json()["token"]) == 40

    def test_an_administrator_without_two_step_gets_no_token(self, admin_user):
        response = self.post(admin_user)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "administrators must set up two-step sign-in in the browser before using "
            "the API"
        }


def test_the_demo_code_command_prints_the_code_the_app_would_show(settings, admin_user):
    device = authenticator_for(admin_user)
    with pytest.raises(CommandError, match="runs only with DEBUG=1"):
        call_command("two_step_code", "admin")
    settings.DEBUG = True

    out = StringIO()
    call_command("two_step_code", "admin", stdout=out)

    assert out.getvalue().strip() == code_now(device)


def test_the_demo_administrator_is_asked_only_for_the_code_make_demo_code_prints(
    settings, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", patients=1, force=True, stdout=StringIO())
    settings.DEBUG = True
    code = StringIO()
    call_command("two_step_code", "demo-admin", stdout=code)
    demo_admin = TOTPDevice.objects.get(user__username="demo-admin")

    landed = client.post(
        reverse("login"), {"username": "demo-admin", "password": settings.DEMO_PASSWORD}
    )
    assert landed["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_step_verify"))
    response = client.post(reverse("two_step_verify"), {"code": code.getvalue().strip()})

    assert demo_admin.confirmed
    assert response["Location"] == reverse("home")
    assert client.get(reverse("admin:index")).status_code == 200
    assert mail.outbox == []  # seeding sends no "two-step sign-in was set up" email
