"""A patient chooses the language of their pages and e-mails in *My settings*; the invitation
page they accept in sets it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_patient_chooses_dutch_and_the_portal_follows(client, patient):
    client.force_login(patient.user)

    response = client.post(
        reverse("portal:settings"), {"email": "", "reminders": "on", "language": "nl"}
    )

    assert response.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.language == "nl"
    page = client.get(reverse("portal:settings"), HTTP_ACCEPT_LANGUAGE="en-gb")
    body = page.content.decode()
    assert 'lang="nl"' in body
    assert "Je instellingen zijn bewaard." in body
    assert "Taal van mijn pagina" in body or "Nederlands" in body
    assert re.search(r'value="nl"[^>]*checked', body), "the choice is shown as saved"


def test_an_unknown_language_is_refused_and_nothing_changes(client, patient):
    client.force_login(patient.user)
    patient.user.email = "kept@example.org"
    patient.user.save()

    response = client.post(
        reverse("portal:settings"), {"email": "new@example.org", "language": "xx"}
    )

    assert response.status_code == 400
    patient.user.refresh_from_db()
    assert (patient.user.email, patient.user.language) == ("kept@example.org", "")


def test_following_the_browser_again_clears_the_choice(client, patient):
    patient.user.language = "nl"
    patient.user.save()
    client.force_login(patient.user)

    client.post(reverse("portal:settings"), {"email": "", "language": ""})

    patient.user.refresh_from_db()
    assert patient.user.language == ""
    assert 'lang="en-gb"' in client.get(reverse("portal:settings")).content.decode()
