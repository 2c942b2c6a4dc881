"""Invitations to the portal: a one-time link that expires, a password the patient chooses, and
password reset through the configured email backend."""

import datetime as dt
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from patients.invitations import invitation_accept, invitation_create
from patients.models import AuditEvent, Invitation, User
from portal.words import INVITATION_USED
from tests.conftest import PASSWORD
from tests.factories import PatientFactory
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "blue kettle on the windowsill"


@pytest.fixture
def newcomer(team):
    """A patient of the team who has no portal login yet."""
    return PatientFactory(display_name="Margaret H.", teams=[team])


def welcome_path(token: str) -> str:
    return reverse("portal:welcome", args=[token])


def open_link(client, token: str):
    """Follow an invitation link as the patient would: it lands on the set-password page."""
    response = client.get(welcome_path(token))
    assert response.status_code == 302
    assert response["Location"] == welcome_path("set-password")
    return client.get(response["Location"])


def choose_password(client, **extra):
    data = {"username": "margaret.h", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(extra)
    return client.post(welcome_path("set-password"), data)


def link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


# --- Making an invitation -----------------------------------------------------------------------


def test_a_clinician_invites_a_patient_and_the_link_is_emailed_and_shown_once(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clinic:invite", args=[newcomer.pk]), {"email": "margaret@example.org"}
        )

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    invitation = Invitation.objects.get(patient=newcomer)
    token = response.context["link"].rsplit("/", 2)[-2]
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in invitation.token_hash
    assert (invitation.email, invitation.created_by, invitation.used_at) == (
        "margaret@example.org",
        clinician,
        None,
    )
    assert abs(invitation.expires_at - timezone.now() - dt.timedelta(days=7)) < dt.timedelta(
        minutes=1
    )
    assert response.context["link"] in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["margaret@example.org"]
    assert response.context["link"] in message.body
    assert f"{clinician} from your care team has invited you" in message.body
    assert AuditEvent.objects.filter(patient=newcomer, what="portal invitation").exists()


def test_the_record_page_offers_the_invitation(client, clinician, newcomer):
    client.force_login(clinician)
    html = client.get(reverse("clinic:patient", args=[newcomer.pk])).content.decode()

    assert f'action="{reverse("clinic:invite", args=[newcomer.pk])}"' in html
    assert "Invite to the patient portal" in html
    assert "No portal login yet." in html


def test_an_invitation_without_an_email_is_shown_to_hand_over(client, clinician, newcomer):
    client.force_login(clinician)
    response = client.post(reverse("clinic:invite", args=[newcomer.pk]), {"email": ""})

    assert response.status_code == 200
    assert "Give the patient this link" in response.content.decode()
    assert mail.outbox == []


def test_a_wrong_email_address_is_refused_and_kept(client, clinician, newcomer):
    client.force_login(clinician)
    response = client.post(reverse("clinic:invite", args=[newcomer.pk]), {"email": "margaret@"})

    assert response.status_code == 400
    assert "Write an email address like name@example.org." in response.content.decode()
    assert 'value="margaret@"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_clinician_cannot_invite_a_patient_of_another_team(client, clinician, other_patient):
    client.force_login(clinician)
    response = client.post(reverse("clinic:invite", args=[other_patient.pk]), {})

    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["manager", "patient"])
def test_other_roles_cannot_invite(client, request, who, newcomer, patient):
    user = request.getfixturevalue(who)
    client.force_login(user.user if who == "patient" else user)

    assert client.post(reverse("clinic:invite", args=[newcomer.pk]), {}).status_code == 404
    assert not Invitation.objects.exists()


def test_an_administrator_invites_patients_from_the_admin_list(client, admin_user, newcomer):
    other = PatientFactory(display_name="Ada L.")
    sign_in_with_code(client, admin_user)
    response = client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "invite_to_portal", "_selected_action": [newcomer.pk, other.pk]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert Invitation.objects.filter(created_by=admin_user).count() == 2
    for patient, _, link in response.context["invited"]:
        assert link in html
        token = link.rsplit("/", 2)[-2]
        assert Invitation.objects.get(patient=patient).token_hash == Invitation.hash_token(token)


def test_a_new_invitation_retires_the_earlier_link(client, clinician, newcomer):
    _, first = invitation_create(patient=newcomer, created_by=clinician)
    _, second = invitation_create(patient=newcomer, created_by=clinician)

    response = open_link(client, first)
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()
    assert open_link(client, second).status_code == 200


# --- Using it ------------------------------------------------------------------------------------


def test_the_link_leads_to_choosing_a_password_then_into_the_portal_signed_in(
    client, clinician, newcomer
):
    invitation, token = invitation_create(
        patient=newcomer, created_by=clinician, email="margaret@example.org"
    )
    page = open_link(client, token)
    html = page.content.decode()
    assert page.status_code == 200
    assert token not in html
    assert 'value="margaret.h"' in html  # a username is suggested
    assert "margaret@example.org" not in html  # the address is the patient's to type

    response = choose_password(client, email="margaret@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    newcomer.refresh_from_db()
    user = newcomer.user
    assert (user.username, user.role, user.email) == (
        "margaret.h",
        "patient",
        "margaret@example.org",
    )
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session[SESSION_KEY]) == user.pk
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_link_sent_to_a_staff_address_gives_staff_no_way_into_the_login(
    client, clinician, newcomer, django_capture_on_commit_callbacks
):
    """The address the invitation went to is staff's choice: were it put on the login, sign-in
    help would send a new-password link there. The patient types their own, or none."""
    _invitation, token = invitation_create(
        patient=newcomer, created_by=clinician, email="nurse-inbox@example.org"
    )
    page = open_link(client, token)
    assert "nurse-inbox@example.org" not in page.content.decode()
    assert 'name="email"' in page.content.decode()
    assert choose_password(client)["Location"] == reverse("portal:home")
    newcomer.refresh_from_db()
    assert newcomer.user.email == ""
    mail.outbox.clear()

    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clinic:sign-in-help", args=[newcomer.pk]), follow=True)

    assert mail.outbox == []  # no address on the login: a printed letter, which holds no link
    assert response.redirect_chain[-1][0] == reverse("clinic:sign-in-letter", args=[newcomer.pk])


def test_the_patients_access_log_says_when_their_login_was_made_from_the_link(
    client, clinician, newcomer
):
    _invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)
    choose_password(client)

    made = AuditEvent.objects.get(patient=newcomer, action="create", what=INVITATION_USED)
    assert (made.actor, made.actor_role) == (None, "anonymous")
    html = client.get(reverse("portal:access-log")).content.decode()
    assert (
        "<strong>Someone using your invitation link</strong> added to your record "
        "(your login to this website)." in html
    )


def test_a_login_made_from_the_link_by_a_signed_in_clinician_is_on_the_patients_log(
    client, clinician, newcomer
):
    """Whoever holds the link can use it; someone at the service who does is named."""
    _invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    client.force_login(clinician)
    open_link(client, token)
    choose_password(client, email="clinician-chose@example.org")

    made = AuditEvent.objects.get(patient=newcomer, action="create", what=INVITATION_USED)
    assert (made.actor, made.actor_role) == (clinician, "clinician")
    html = client.get(reverse("portal:access-log")).content.decode()
    assert (
        f"<strong>{clinician}, clinician</strong> added to your record "
        "(your login to this website)." in html
    )


def test_a_used_link_is_refused_with_a_clear_message(client, clinician, newcomer):
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)
    choose_password(client)
    client.logout()

    response = open_link(client, token)

    assert response.status_code == 410
    assert "This link has already been used." in response.content.decode()


def test_an_expired_link_is_refused_with_a_clear_message(client, clinician, newcomer):
    invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    response = open_link(client, token)

    assert response.status_code == 410
    assert "This link has expired. Ask your care team to send you a new one." in (
        response.content.decode()
    )
    assert choose_password(client).status_code == 410
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_a_link_that_expires_while_the_page_is_open_is_refused(client, clinician, newcomer):
    invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    assert choose_password(client).status_code == 410
    assert not User.objects.filter(username="margaret.h").exists()


def test_an_unknown_link_is_not_found(client, db):
    assert client.get(welcome_path("not-a-real-token")).status_code == 404


def test_the_set_password_page_without_a_link_says_to_open_it_again(client, db):
    response = client.get(welcome_path("set-password"))
    assert response.status_code == 400
    assert "open the link from your invitation again" in response.content.decode()


def test_a_weak_password_is_refused_and_the_username_typed_is_kept(client, clinician, newcomer):
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)

    response = choose_password(client, username="maggie", password1="123", password2="123")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="maggie"' in html
    assert "This password is too short." in html
    assert '<ul class="errorlist" id="id_password1_error">' in html
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_two_different_passwords_are_refused(client, clinician, newcomer):
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)

    response = choose_password(client, password2="something else entirely")

    assert response.status_code == 400
    assert "The two passwords are not the same." in response.content.decode()


def test_a_username_someone_has_is_refused(client, clinician, newcomer, patient):
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    open_link(client, token)

    response = choose_password(client, username="PAT")

    assert response.status_code == 400
    assert "Someone already has that username. Try another." in response.content.decode()


# --- A patient who already has a login: sign-in help, never a link staff can use --------------


@pytest.fixture
def with_address(patient):
    patient.user.email = "pat@example.org"
    patient.user.save()
    mail.outbox.clear()
    return patient


def test_a_clinician_cannot_invite_a_patient_who_has_a_login_nor_set_their_address(
    client, clinician, with_address, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    password_before = with_address.user.password
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clinic:invite", args=[with_address.pk]), {"email": "attacker@example.com"}
        )

    assert response.status_code == 400
    html = response.content.decode()
    assert "No invitation was made: this patient already has a portal login." in html
    assert "/me/welcome/" not in html
    assert "/accounts/reset/" not in html
    assert not Invitation.objects.exists()
    assert mail.outbox == []
    with_address.user.refresh_from_db()
    assert (with_address.user.email, with_address.user.password) == (
        "pat@example.org",
        password_before,
    )
    assert AuditEvent.objects.filter(
        patient=with_address, action="denied", what="400 invitation"
    ).exists()


def test_the_service_refuses_an_invitation_for_a_patient_who_has_a_login(clinician, patient):
    with pytest.raises(ValidationError, match="already has a portal login") as refused:
        invitation_create(patient=patient, created_by=clinician, email="attacker@example.com")

    assert refused.value.error_dict["email"][0].code == "has_login"
    assert not Invitation.objects.exists()


def test_the_record_of_a_patient_with_a_login_offers_sign_in_help_not_an_invitation(
    client, clinician, with_address
):
    client.force_login(clinician)
    html = client.get(reverse("clinic:patient", args=[with_address.pk])).content.decode()

    assert "Portal login: <strong>pat</strong>" in html
    assert reverse("clinic:sign-in-help", args=[with_address.pk]) in html
    assert "Invite to the patient portal" not in html
    assert 'name="email"' not in html
    assert "pat@example.org" not in html


def test_sign_in_help_goes_to_the_address_on_the_login_and_staff_never_see_the_link(
    client, clinician, with_address, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://ssm.example.org"
    client.force_login(clinician)
    page = client.get(reverse("clinic:sign-in-help", args=[with_address.pk]))
    assert "p••@e••••••.org" in page.content.decode()
    assert "pat@example.org" not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clinic:sign-in-help", args=[with_address.pk]),
            {"email": "attacker@example.com"},  # not a field: staff cannot choose the address
            follow=True,
        )

    assert response.redirect_chain[-1][0] == reverse("clinic:patient", args=[with_address.pk])
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == "Help to sign in to SSM Outcomes"
    assert "Your username is: pat" in message.body
    assert f"{clinician} from your care team asked us" in message.body
    reset_link = re.search(r"https://ssm\.example\.org/accounts/reset/\S+", message.body).group(0)
    assert reset_link.removeprefix("https://ssm.example.org") not in response.content.decode()
    assert "Sign-in help is on its way to p••@e••••••.org" in response.content.decode()
    sign_in_help = AuditEvent.objects.filter(patient=with_address, what="sign-in help")
    assert list(sign_in_help.order_by("id").values_list("action", flat=True)) == [
        "view",  # the page, showing the username and the masked address
        "create",  # the email sent
    ]

    # Only the patient, holding the email, can use the link to choose a new password.
    client.logout()
    form = client.get(reset_link.removeprefix("https://ssm.example.org"), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("password_reset_complete")
    with_address.user.refresh_from_db()
    assert with_address.user.check_password(NEW_PASSWORD)
    assert with_address.user.email == "pat@example.org"


def test_without_an_address_the_clinician_prints_a_letter_that_holds_no_link(
    client, clinician, patient, settings
):
    settings.SITE_URL = "https://ssm.example.org"
    client.force_login(clinician)
    help_page = client.get(reverse("clinic:sign-in-help", args=[patient.pk])).content.decode()
    assert "There is no email address on their login" in help_page

    response = client.post(reverse("clinic:sign-in-help", args=[patient.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("clinic:sign-in-letter", args=[patient.pk])
    html = response.content.decode()
    assert "Your username</dt><dd><strong>pat</strong>" in html
    assert "https://ssm.example.org/accounts/login/" in html
    assert "/accounts/reset/" not in html
    assert "/me/welcome/" not in html
    assert mail.outbox == []
    assert AuditEvent.objects.filter(patient=patient, action="export", what="sign-in letter")


def test_sign_in_help_for_a_patient_without_a_login_leads_to_the_invitation(
    client, clinician, newcomer
):
    client.force_login(clinician)
    response = client.get(reverse("clinic:sign-in-help", args=[newcomer.pk]))

    assert response["Location"] == reverse("clinic:invite", args=[newcomer.pk])


def test_an_invitation_made_before_the_patient_had_a_login_cannot_change_it(
    client, clinician, newcomer
):
    _, token = invitation_create(patient=newcomer, created_by=clinician)
    newcomer.user = User.objects.create_user("margaret", password=PASSWORD, role="patient")
    newcomer.save()

    response = open_link(client, token)

    assert response.status_code == 410
    assert "you already have a login" in response.content.decode()
    assert choose_password(client).status_code == 410
    newcomer.user.refresh_from_db()
    assert newcomer.user.check_password(PASSWORD)
    assert User.objects.filter(role="patient").count() == 1


def test_the_admin_action_sends_sign_in_help_to_patients_who_have_a_login(
    client, admin_user, newcomer, with_address, django_capture_on_commit_callbacks
):
    sign_in_with_code(client, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:patients_patient_changelist"),
            {"action": "invite_to_portal", "_selected_action": [newcomer.pk, with_address.pk]},
        )

    html = response.content.decode()
    assert [p for p, _, _ in response.context["invited"]] == [newcomer]
    assert response.context["helped"] == [(with_address, "p••@e••••••.org")]
    assert "emailed to p••@e••••••.org" in html
    assert not Invitation.objects.filter(patient=with_address).exists()
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]


def test_an_administrator_can_close_a_login_and_the_patient_can_then_be_invited(
    client, admin_user, clinician, with_address, django_capture_on_commit_callbacks
):
    login = with_address.user
    sign_in_with_code(client, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:patients_patient_changelist"),
            {"action": "close_portal_login", "_selected_action": [with_address.pk]},
        )

    with_address.refresh_from_db()
    login.refresh_from_db()
    assert with_address.user is None
    assert login.is_active is False
    assert login.check_password(PASSWORD)  # closed, never given a new password
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        ["pat@example.org"],
        "Your SSM Outcomes login was closed",
    )
    assert AuditEvent.objects.filter(patient=with_address, what="portal login").exists()
    invitation, _ = invitation_create(patient=with_address, created_by=clinician)
    assert invitation.pk is not None


def test_no_one_sets_a_patients_password_or_address_in_the_admin(client, admin_user, patient):
    sign_in_with_code(client, admin_user)

    password_page = client.get(reverse("admin:auth_user_password_change", args=[patient.user.pk]))
    change_page = client.get(reverse("admin:patients_user_change", args=[patient.user.pk]))

    assert password_page.status_code == 403
    assert 'name="email"' not in change_page.content.decode()
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[admin_user.pk])).status_code
        == 200
    )


def test_no_one_moves_a_patients_record_to_another_login_or_their_login_out_of_the_patient_role(
    client, admin_user, patient, clinician
):
    """Either would let staff into the patient's login by the back door: a patient's login made
    a clinician's has an address staff may change, and a record put on a staff login is read
    with that login's password."""
    sign_in_with_code(client, admin_user)
    patient_page = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    login_page = client.get(reverse("admin:patients_user_change", args=[patient.user.pk]))

    assert 'name="user"' not in patient_page.content.decode()
    assert 'name="role"' not in login_page.content.decode()
    assert (
        'name="role"'
        in client.get(reverse("admin:patients_user_change", args=[clinician.pk])).content.decode()
    )


def test_accepting_the_same_invitation_twice_fails_the_second_time(clinician, newcomer):
    invitation, _ = invitation_create(patient=newcomer, created_by=clinician)
    invitation_accept(invitation=invitation, password=NEW_PASSWORD, username="margaret.h")

    with pytest.raises(ValidationError, match="already been used"):
        invitation_accept(invitation=invitation, password=NEW_PASSWORD, username="someone.else")
    assert not User.objects.filter(username="someone.else").exists()


# --- Password reset ------------------------------------------------------------------------------


def test_password_reset_is_emailed_and_its_link_sets_a_new_password(client, patient, settings):
    settings.SITE_URL = "https://ssm.example.org"
    patient.user.email = "pat@example.org"
    patient.user.save()
    response = client.post(reverse("password_reset"), {"email": "PAT@example.org"})

    assert response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Your username is: pat" in message.body
    link = link_in(message.body)
    assert link.startswith("https://ssm.example.org/accounts/reset/")

    form = client.get(link.removeprefix("https://ssm.example.org"), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "You are signed in." in done.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
    assert not patient.user.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_sign_in_page_offers_password_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_a_refusal_by_the_invitation_service_is_shown_beside_the_field(
    client, clinician, newcomer, monkeypatch
):
    """A service refusal the form could not foresee (a login made meanwhile, an address the
    service refuses) is shown on the page with what was typed, never a server error."""
    client.force_login(clinician)

    def refuse(**kwargs):
        raise ValidationError({"email": "email must be an email address, like name@example.org"})

    monkeypatch.setattr("clinic.views.invitations.invitation_create", refuse)
    response = client.post(
        reverse("clinic:invite", args=[newcomer.pk]), {"email": "ada@example.org"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "email must be an email address, like name@example.org" in body
    assert 'value="ada@example.org"' in body
    assert not Invitation.objects.filter(patient=newcomer).exists()
