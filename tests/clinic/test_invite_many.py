"""Inviting many patients at once from the caseload: emails in their language, letters for the
others, nobody with a login."""

import pytest
from django.core import mail
from django.urls import reverse

from patients.invitations import SHORT_ALPHABET, token_as_typed
from patients.models import Invitation
from tests.factories import PatientFactory


@pytest.fixture
def three(team):
    return {
        "emailed": PatientFactory(
            display_name="Eva E.", teams=[team], email="eva@example.org", language="nl"
        ),
        "letter": PatientFactory(display_name="Lars L.", teams=[team], language="nl"),
        "english": PatientFactory(display_name="Ann A.", teams=[team]),
    }


@pytest.mark.django_db
def test_everyone_without_a_login(
    client, clinician, three, patient, other_patient, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clinic:invite-many"), {"all_without_login": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 invitation emailed, each in the patient" in page
    assert "2 letters to print below" in page
    # Eva is emailed in Dutch; the patient with a login and another team's patient are not invited.
    assert [m.to for m in mail.outbox] == [["eva@example.org"]]
    assert mail.outbox[0].subject == "Je zorgteam nodigt je uit voor SSM Outcomes"
    assert Invitation.objects.filter(patient=patient).count() == 0
    assert Invitation.objects.filter(patient=other_patient).count() == 0
    # A Dutch letter for Lars, an English one for Ann, each with a QR code and a short link.
    assert page.count('class="letter invitation-letter"') == 2
    assert 'lang="nl"' in page
    assert "Beste Lars L.," in page
    assert "Dear Ann A.," in page
    assert page.count("<svg") == 2


@pytest.mark.django_db
def test_a_letters_short_code_opens_the_invitation(client, clinician, three):
    client.force_login(clinician)
    page = client.post(
        reverse("clinic:invite-many"), {"patients": [three["english"].pk]}
    ).content.decode()
    typed = page.split('class="letter-link"><strong>')[1].split("</strong>")[0]
    code = typed.rstrip("/").rsplit("/", 1)[1]
    assert len(code) == 14
    assert code[4] == "-"
    assert code[9] == "-"
    assert all(char in SHORT_ALPHABET for char in code.replace("-", ""))
    invitation = Invitation.objects.get(patient=three["english"])
    assert invitation.token_hash == Invitation.hash_token(token_as_typed(code.lower()))
    assert round((invitation.expires_at - invitation.created_at).total_seconds() / 86400) == 28
    client.logout()
    opened = client.get(reverse("portal:welcome", args=[code.lower()]))
    assert opened.status_code == 302  # on to choosing a password


@pytest.mark.django_db
def test_ticked_patients_only_and_never_one_with_a_login(client, clinician, three, patient):
    client.force_login(clinician)
    response = client.post(
        reverse("clinic:invite-many"), {"patients": [three["letter"].pk, patient.pk]}
    )
    page = response.content.decode()
    assert "1 patient already has a login and was not invited" in page
    assert Invitation.objects.filter(patient=patient).count() == 0
    assert Invitation.objects.filter(patient=three["letter"]).count() == 1
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_another_teams_patient_cannot_be_ticked(client, clinician, other_team):
    stranger = PatientFactory(display_name="Sam S.", teams=[other_team])
    client.force_login(clinician)
    response = client.post(reverse("clinic:invite-many"), {"patients": [stranger.pk]})
    assert response.status_code == 302
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_only_clinicians(client, manager, patient, team):
    for user in (manager, patient.user):
        client.force_login(user)
        assert (
            client.post(reverse("clinic:invite-many"), {"all_without_login": "1"}).status_code
            == 403
        )
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_caseload_offers_the_tick_only_without_a_login(client, clinician, three, patient):
    client.force_login(clinician)
    page = client.get(reverse("clinic:caseload")).content.decode()
    assert page.count('name="patients"') == 3
    assert "Has a login" in page
