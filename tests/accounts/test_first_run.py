"""The administrator's first-run guide and the staff's sign-in invitation."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from indicators.models import TeamSummary
from patients.models import Invitation, Membership, Patient, Team
from tests.factories import MembershipFactory, PatientFactory, TeamFactory, UserFactory
from tests.support.two_step import sign_in_with_code


def steps(page: str) -> list[tuple[str, str]]:
    section = page.split('id="first-run"')[1].split("</section>")[0]
    return re.findall(r"<strong>(.*?)</strong>: <span class=\"first-run-(done|to-do)\"", section)


@pytest.mark.django_db
def test_on_an_empty_install_every_step_is_to_do_and_links(client, admin_user):
    sign_in_with_code(client, admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert steps(page) == [
        ("Create the team", "to-do"),
        ("Add the clinicians", "to-do"),
        ("Add a service manager", "to-do"),
        ("Invite the staff", "to-do"),
        ("Import the patients", "to-do"),
        ("Invite the patients", "to-do"),
        ("See the first dashboard", "to-do"),
    ]
    for name in ("admin:patients_team_add", "clinic:import-start", "dashboards:index"):
        assert f'href="{reverse(name)}"' in page


@pytest.mark.django_db
def test_steps_tick_themselves_as_the_service_is_set_up(client, admin_user):
    sign_in_with_code(client, admin_user)
    team = TeamFactory(name="Riverside")
    nurse = UserFactory(username="nurse", role="clinician", email="nurse@example.org")
    MembershipFactory(user=nurse, team=team, role=Membership.Role.CLINICIAN)
    boss = UserFactory(username="boss", role="manager")
    MembershipFactory(user=boss, team=team, role=Membership.Role.MANAGER)
    page = client.get(reverse("admin:index")).content.decode()
    assert [state for _title, state in steps(page)] == ["done", "done", "done"] + ["to-do"] * 4
    type(nurse).objects.update(last_login=timezone.now())
    patient = PatientFactory(teams=[team])
    Invitation.objects.create(patient=patient, token_hash="x" * 64, expires_at=timezone.now())
    TeamSummary.objects.create(team=team, period="2026Q4")
    page = client.get(reverse("admin:index")).content.decode()
    assert [state for _title, state in steps(page)] == ["done"] * 7
    assert Team.objects.count() == 1
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_staff_sign_in_invitation_from_the_users_list(
    client, admin_user, patient, django_capture_on_commit_callbacks
):
    nurse = UserFactory(username="nurse2", role="clinician", email="n@example.org", language="nl")
    nobody = UserFactory(username="noaddress", role="manager", email="")
    sign_in_with_code(client, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:patients_user_changelist"),
            {
                "action": "email_sign_in_invitation",
                "_selected_action": [nurse.pk, nobody.pk, patient.user.pk],
            },
            follow=True,
        )
    page = response.content.decode()
    assert "Sign-in invitation emailed to 1 account." in page
    assert "Not emailed (a patient, no email address, or inactive): noaddress, pat" in page
    assert [m.to for m in mail.outbox] == [["n@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Je inlog voor SSM Outcomes is klaar"
    link = re.search(r"http\S+/reset/\S+/", message.body).group(0)
    client.logout()
    assert client.get(link, follow=True).status_code == 200
