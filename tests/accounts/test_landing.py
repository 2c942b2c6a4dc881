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


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ({"username": "nurse", "password": ""}, ["Type your password."]),
        ({"username": "", "password": ""}, ["Type your username.", "Type your password."]),
    ],
)
@pytest.mark.django_db
def test_a_box_left_empty_is_named_at_the_top_and_beside_it(client, clinician, typed, said):
    response = client.post(reverse("login"), typed)

    html = response.content.decode()
    summary = html.split('role="alert"')[1].split("</div>")[0]
    for message in said:
        assert f">{message}</a></li>" in summary
    assert html.count('aria-invalid="true"') == len(said)
    assert '<p class="errorlist" id="id_password_error">Type your password.</p>' in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_box_left_empty_is_named_in_dutch(client):
    client.cookies["django_language"] = "nl"
    response = client.post(reverse("login"), {"username": "nurse", "password": ""})

    assert "Typ je wachtwoord." in response.content.decode()


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("patient", "portal:home"),
        ("clinician", "clinic:caseload"),
        ("manager", "dashboards:index"),
    ],
)
@pytest.mark.django_db
def test_each_role_lands_on_its_own_designed_home_after_signing_in(
    client, request, who, home, patient
):
    user = request.getfixturevalue(who)
    response = sign_in(client, getattr(user, "user", user))

    assert [url for url, _ in response.redirect_chain] == [reverse("home"), reverse(home)]
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_patient_lands_on_the_portal_home_not_an_unstyled_page(client, patient):
    response = sign_in(client, patient.user)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "portal.css" in html
    assert "Hello, Pat" in html


@pytest.mark.django_db
def test_the_root_address_sends_each_role_home(client, clinician, manager, patient, admin_user):
    for user, home in (
        (clinician, "clinic:caseload"),
        (manager, "dashboards:index"),
        (patient.user, "portal:home"),
    ):
        client.force_login(user)
        assert client.get(reverse("home"))["Location"] == reverse(home)
    sign_in_with_code(client, admin_user)
    assert client.get(reverse("home"))["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_a_clinicians_account_page_shows_their_teams_and_patient_count(
    client, clinician, patient, other_patient
):
    client.force_login(clinician)
    response = client.get(reverse("account"))

    assert response.context["role"] == "Clinician"
    assert response.context["patient_count"] == 1
    assert [t.name for t in response.context["teams"]] == ["Riverside Practice"]
    assert "Two-step sign-in is <strong>off</strong>" in response.content.decode()


@pytest.mark.django_db
def test_a_managers_account_page_names_no_patient(client, manager, patient):
    client.force_login(manager)
    response = client.get(reverse("account"))

    assert response.context["role"] == "Service manager"
    assert [t.patient_count for t in response.context["teams"]] == [1]
    assert patient.display_name.encode() not in response.content


@pytest.mark.django_db
def test_patients_have_their_settings_not_the_staff_account_page(client, patient):
    client.force_login(patient.user)

    assert client.get(reverse("account")).status_code == 403


@pytest.mark.django_db
def test_every_staff_page_links_to_the_account_page(client, clinician, manager):
    for user, page in ((clinician, "clinic:caseload"), (manager, "dashboards:index")):
        client.force_login(user)
        assert f'href="{reverse("account")}"' in client.get(reverse(page)).content.decode()


@pytest.mark.django_db
def test_administrator_can_open_the_admin_page_of_every_model(client, admin_user, patient):
    from django.contrib import admin

    sign_in_with_code(client, admin_user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
