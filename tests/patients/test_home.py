"""Each role lands on a page that says who they are and what they can see."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.support.two_step import sign_in_with_code


def sign_in(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_sign_in_page_has_labelled_fields(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content
    assert b'<label for="id_password">' in response.content


@pytest.mark.django_db
def test_wrong_password_keeps_the_username_and_says_so(client, clinician):
    response = client.post(reverse("login"), {"username": "nurse", "password": "wrong-password"})
    assert response.status_code == 200
    assert b'value="nurse"' in response.content
    assert b"correct username and password" in response.content


@pytest.mark.django_db
def test_clinician_lands_on_their_teams_and_patient_count(
    client, clinician, patient, other_patient
):
    response = sign_in(client, clinician)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["role"] == "Clinician"
    assert response.context["patient_count"] == 1
    assert [t.name for t in response.context["teams"]] == ["Riverside Practice"]


@pytest.mark.django_db
def test_manager_lands_on_the_teams_they_manage_without_patient_names(client, manager, patient):
    response = sign_in(client, manager)
    assert response.context["role"] == "Service manager"
    assert [t.patient_count for t in response.context["teams"]] == [1]
    assert patient.display_name.encode() not in response.content


@pytest.mark.django_db
def test_patient_lands_on_their_own_record(client, patient):
    response = sign_in(client, patient.user)
    assert response.context["role"] == "Patient"
    assert response.context["patient"] == patient
    assert b"You have no appointment booked" in response.content


@pytest.mark.django_db
def test_administrator_is_pointed_to_the_admin_site(client, admin_user):
    sign_in_with_code(client, admin_user)
    response = client.get(reverse("home"))
    assert response.context["role"] == "Administrator"
    assert reverse("admin:index").encode() in response.content


@pytest.mark.django_db
def test_administrator_can_open_the_admin_page_of_every_model(client, admin_user, patient):
    from django.contrib import admin

    sign_in_with_code(client, admin_user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
