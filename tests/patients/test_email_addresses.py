"""One rule for an email address wherever one is given (a patient's settings, the welcome page,
a clinician's invitation, a spreadsheet import): a valid address of at most 254 characters, the
most the columns hold and mail can be sent to. A longer one is refused naming its box, and
nothing is saved."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from patients.invitations import invitation_create, login_checked
from patients.models import Invitation, Patient, User
from patients.services import portal_settings_update
from patients.validation import worded
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

LONG = "a" * 250 + "@example.org"  # 262 characters


def words(error: ValidationError) -> dict[str, list[str]]:
    return {field: [worded(e) for e in errors] for field, errors in error.error_dict.items()}


def test_the_services_refuse_an_address_too_long_naming_the_field(patient):
    with pytest.raises(ValidationError) as settings_refused:
        portal_settings_update(user=patient.user, email=LONG, reminders=True)
    with pytest.raises(ValidationError) as login_refused:
        login_checked(username="newcomer", email=LONG, password="a long pass phrase 42")

    too_long = {"email": ["email must be at most 254 characters (it has 262)"]}
    assert words(settings_refused.value) == too_long
    assert words(login_refused.value) == too_long
    patient.user.refresh_from_db()
    assert patient.user.email != LONG


def test_an_address_of_254_characters_is_taken(patient):
    longest = "a" * 242 + "@example.org"

    portal_settings_update(user=patient.user, email=longest, reminders=True)

    patient.user.refresh_from_db()
    assert patient.user.email == longest


def test_the_portal_settings_refuse_an_address_too_long_and_keep_it(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("portal:settings"), {"email": LONG, "language": ""})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["“Your email address” is too long. Please keep it to 254 letters. You wrote 262."]
    }
    assert f'value="{LONG}"' in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.email != LONG


def test_the_welcome_page_makes_no_login_with_an_address_too_long(client, team, clinician):
    newcomer = PatientFactory(display_name="Nora N.", teams=[team])
    _invitation, token = invitation_create(patient=newcomer, created_by=clinician)
    client.get(reverse("portal:welcome", args=[token]))
    users = User.objects.count()

    response = client.post(
        reverse("portal:welcome", args=["set-password"]),
        {
            "username": "nora",
            "email": LONG,
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["“Your email address” is too long. Please keep it to 254 letters. You wrote 262."]
    }
    assert User.objects.count() == users
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_the_clinics_invitation_refuses_an_address_too_long_naming_the_box(client, team, clinician):
    newcomer = PatientFactory(display_name="Nora N.", teams=[team])
    client.force_login(clinician)

    response = client.post(reverse("clinic:invite", args=[newcomer.pk]), {"email": LONG})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": [
            "“Patient's email address (optional)” is too long. Please keep it to 254 letters. "
            "You wrote 262."
        ]
    }
    assert not Invitation.objects.exists()


def test_an_import_refuses_a_row_with_an_address_too_long(team, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(f"display_name,birth_year,local_id,email\nGrace H.,1948,RGP-1,{LONG}\n")

    with pytest.raises(CommandError):
        call_command("import_patients", str(path), "--team", team.name)

    assert (
        "line 2, email: Must be at most 254 characters (this has 262)." in capsys.readouterr().err
    )
    assert not Patient.objects.filter(display_name="Grace H.").exists()
