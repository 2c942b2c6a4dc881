"""API tokens: stored as hashes, named, several per user, expiring after API_TOKEN_DAYS, ended by a
new password or by turning on two-step sign-in, and managed on the API tokens page."""

import datetime as dt
import hashlib
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.conftest import PASSWORD
from tests.support.api_tokens import api_key_for
from tests.support.two_step import code_now, set_up_approved, sign_in_with_code

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"
MIGRATION = "accounts.migrations.0002_api_tokens_from_authtoken"


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ask_for_token(user, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD, **extra}, format="json"
    )


def test_only_a_hash_and_the_first_characters_of_a_key_are_stored(clinician):
    key = ask_for_token(clinician).json()["token"]

    row = ApiToken.objects.values().get(user=clinician)

    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["prefix"] == key[:8]
    assert key not in {str(value) for value in row.values()}


def test_a_token_lasts_api_token_days_and_then_answers_401(settings, clinician, patient):
    settings.API_TOKEN_DAYS = 7
    answer = ask_for_token(clinician).json()
    token = ApiToken.objects.get(user=clinician)
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    assert answer["expires_at"] == token.expires_at.isoformat().replace("+00:00", "Z")
    assert api(answer["token"]).get("/api/v1/patients/").status_code == 200

    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = api(answer["token"]).get("/api/v1/patients/")

    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "This token has expired. Make a new one (POST /api/v1/auth/token/, or API "
        "tokens on your account page)."
    }
    assert refused["WWW-Authenticate"] == "Token"


def test_last_use_is_written_at_most_once_a_minute(clinician, patient):
    key = api_key_for(clinician)
    client = api(key)

    with CaptureQueriesContext(connection) as first:
        client.get("/api/v1/patients/")
    used = ApiToken.objects.get(user=clinician).last_used_at
    with CaptureQueriesContext(connection) as second:
        client.get("/api/v1/patients/")

    def writes(queries):
        return [q["sql"] for q in queries if 'UPDATE "accounts_apitoken"' in q["sql"]]

    assert used is not None
    assert len(writes(first.captured_queries)) == 1
    assert writes(second.captured_queries) == []
    assert ApiToken.objects.get(user=clinician).last_used_at == used

    ApiToken.objects.update(last_used_at=used - dt.timedelta(minutes=2))
    client.get("/api/v1/patients/")
    assert ApiToken.objects.get(user=clinician).last_used_at > used


def test_a_new_password_ends_every_token_of_the_user(clinician, other_clinician, patient):
    mine = [api_key_for(clinician, name="GP system"), api_key_for(clinician, name="Research")]
    theirs = api_key_for(other_clinician)

    clinician.set_password("a brand new long password")
    clinician.save()

    assert [api(key).get("/api/v1/patients/").status_code for key in mine] == [401, 401]
    assert not ApiToken.objects.filter(user=clinician).exists()
    assert api(theirs).get("/api/v1/patients/").status_code == 200


def test_a_password_reset_ends_every_token_too(client, clinician, patient):
    key = api_key_for(clinician)
    uid = urlsafe_base64_encode(force_bytes(clinician.pk))
    token = default_token_generator.make_token(clinician)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    new = "a-new-long-passphrase-42"

    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert api(key).get("/api/v1/patients/").status_code == 401


def test_signing_in_does_not_end_tokens_even_when_the_hash_is_upgraded(
    settings, client, clinician, patient
):
    key = api_key_for(clinician)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    client.post(reverse("login"), {"username": "nurse", "password": PASSWORD})

    assert api(key).get("/api/v1/patients/").status_code == 200


def test_turning_on_two_step_ends_every_token(client, clinician, patient):
    key = api_key_for(clinician)
    set_up_approved(clinician)
    client.force_login(clinician)
    client.get(reverse("two_step"))
    pending = TOTPDevice.objects.get(user=clinician, confirmed=False)
    assert api(key).get("/api/v1/patients/").status_code == 200  # a key being set up is not on

    client.post(reverse("two_step"), {"code": code_now(pending)})

    assert api(key).get("/api/v1/patients/").status_code == 401
    assert not ApiToken.objects.filter(user=clinician).exists()


def test_a_user_holds_several_named_tokens_one_per_integration(clinician, patient):
    gp = ask_for_token(clinician, name="GP system")
    research = ask_for_token(clinician, name="Research export")
    unnamed = ask_for_token(clinician)
    again = ask_for_token(clinician, name="GP system")

    assert (gp.json()["name"], research.json()["name"]) == ("GP system", "Research export")
    assert unnamed.json()["name"].startswith("API sign-in ")
    assert again.status_code == 400
    assert again.json() == {
        "name": [
            "You already have a token called “GP system”. Choose another name, or revoke that "
            "one first."
        ]
    }
    keys = [r.json()["token"] for r in (gp, research, unnamed)]
    assert [api(k).get("/api/v1/patients/").status_code for k in keys] == [200, 200, 200]
    assert set(ApiToken.objects.filter(user=clinician).values_list("name", flat=True)) == {
        "GP system",
        "Research export",
        unnamed.json()["name"],
    }


def test_delete_with_a_token_revokes_that_token_only(clinician, patient):
    gp, research = api_key_for(clinician, name="GP"), api_key_for(clinician, name="Research")

    assert api(gp).delete(TOKEN_URL).status_code == 204

    assert api(gp).get("/api/v1/patients/").status_code == 401
    assert api(research).get("/api/v1/patients/").status_code == 200


def test_delete_with_a_session_revokes_all_of_the_callers_tokens(client, clinician, patient):
    keys = [api_key_for(clinician, name="GP"), api_key_for(clinician, name="Research")]
    session = APIClient(enforce_csrf_checks=False)
    session.force_login(clinician)

    assert session.delete(TOKEN_URL).status_code == 204

    assert [api(k).get("/api/v1/patients/").status_code for k in keys] == [401, 401]


def test_a_switched_off_account_cannot_use_its_token(clinician, patient):
    key = api_key_for(clinician)
    clinician.is_active = False
    clinician.save(update_fields=["is_active"])

    refused = api(key).get("/api/v1/patients/")

    assert refused.status_code == 401
    assert refused.json() == {"detail": "User inactive or deleted."}


# --- The API tokens page -----------------------------------------------------------------------


def test_a_clinician_makes_a_token_on_the_page_and_sees_its_key_once(client, clinician, patient):
    client.force_login(clinician)
    page = reverse("api_tokens")
    assert "You have no API tokens." in client.get(page).content.decode()

    made = client.post(page, {"name": "  GP   system export "})

    html = made.content.decode()
    token = ApiToken.objects.get(user=clinician)
    assert token.name == "GP system export"
    key = html.split('<code class="secret" id="api-key">')[1].split("</code>")[0]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "This is the only time we show it." in html
    assert api(key).get("/api/v1/patients/").status_code == 200
    listed = client.get(page).content.decode()
    assert key not in listed
    assert f"<code>{key[:8]}…</code>" in listed
    assert '<th scope="row">GP system export</th>' in listed


def test_the_page_puts_each_problem_beside_the_name_field(client, clinician):
    api_key_for(clinician, name="GP system")
    client.force_login(clinician)

    empty = client.post(reverse("api_tokens"), {"name": ""})
    taken = client.post(reverse("api_tokens"), {"name": "GP system"})

    assert empty.context["form"].errors == {
        "name": ["Give the token a name, for example “GP system export”."]
    }
    assert taken.context["form"].errors == {
        "name": [
            "You already have a token called “GP system”. Choose another name, or revoke that "
            "one first."
        ]
    }
    html = taken.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert '<label for="id_name">What is the token for?</label>' in html
    assert ApiToken.objects.filter(user=clinician).count() == 1


def test_revoking_on_the_page_ends_that_token_and_no_one_elses(
    client, clinician, other_clinician, patient
):
    gp = api_key_for(clinician, name="GP system")
    research = api_key_for(clinician, name="Research")
    theirs = api_key_for(other_clinician, name="Theirs")
    client.force_login(clinician)
    gp_id = ApiToken.objects.get(user=clinician, name="GP system").pk

    revoked = client.post(reverse("api_token_revoke"), {"token": gp_id}, follow=True)
    not_mine = client.post(
        reverse("api_token_revoke"), {"token": ApiToken.objects.get(name="Theirs").pk}
    )

    assert "The token “GP system” is revoked" in revoked.content.decode()
    assert api(gp).get("/api/v1/patients/").status_code == 401
    assert api(research).get("/api/v1/patients/").status_code == 200
    assert not_mine.status_code == 404
    assert api(theirs).get("/api/v1/patients/").status_code == 200
    assert client.post(reverse("api_token_revoke"), {"token": "x"}).status_code == 404


def test_staff_find_the_page_on_their_account_page(client, clinician, manager, admin_user):
    link = f'<a href="{reverse("api_tokens")}">Your API tokens</a>'
    for user in (clinician, manager):
        client.force_login(user)
        assert link in client.get(reverse("account")).content.decode(), user
    sign_in_with_code(client, admin_user)
    assert link not in client.get(reverse("account")).content.decode()
    assert client.get(reverse("api_tokens")).status_code == 403


def test_patients_find_the_page_in_their_settings_only_once_they_have_a_token(client, patient):
    client.force_login(patient.user)
    settings_page = reverse("portal:settings")
    assert "API token" not in client.get(settings_page).content.decode()

    api_key_for(patient.user, name="My health app")

    html = client.get(settings_page).content.decode()
    assert "You have 1 API token: keys that let a program read your record." in html
    assert f'<a href="{reverse("api_tokens")}">See or revoke your API tokens</a>' in html
    listed = client.get(reverse("api_tokens")).content.decode()
    assert '<th scope="row">My health app</th>' in listed
    assert f'<a href="{settings_page}">Back to my settings</a>' in listed


# --- Tokens from before: DRF's authtoken table -------------------------------------------------


def test_keys_of_the_old_token_table_are_moved_as_hashes_and_keep_working(clinician, patient):
    migration = import_module(MIGRATION)
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    created = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            f"(key varchar(40) PRIMARY KEY, created {created} NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [key, dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), clinician.pk],
        )
    migration.move_authtoken_keys(apps, SimpleNamespace(connection=connection))

    moved = ApiToken.objects.get(user=clinician)
    assert moved.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (moved.prefix, moved.name) == ("9944b091", "API token from before tokens had names")
    assert moved.created_at == dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert moved.expires_at > timezone.now() + dt.timedelta(days=89)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)  # no key left in plain text
        cursor.execute("DROP TABLE authtoken_token")
    assert api(key).get("/api/v1/patients/").status_code == 200


def test_a_database_without_the_old_token_table_has_nothing_to_move(clinician):
    migration = import_module(MIGRATION)
    assert "authtoken_token" not in connection.introspection.table_names()

    migration.move_authtoken_keys(apps, SimpleNamespace(connection=connection))

    assert not ApiToken.objects.exists()


def test_a_token_name_too_long_names_the_box(client, clinician):
    client.force_login(clinician)

    response = client.post(reverse("api_tokens"), {"name": "n" * 65})

    assert response.context["form"].errors == {
        "name": ["“What is the token for” can be at most 64 characters (this has 65)."]
    }
    assert 'value="' + "n" * 65 + '"' in response.content.decode()
    assert not ApiToken.objects.filter(user=clinician).exists()
