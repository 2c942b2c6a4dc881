"""Sign-in is throttled, and every page is served under a strict Content-Security-Policy."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, password):
    return client.post(reverse("login"), {"username": "nurse", "password": password})


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, clinician):
    for _ in range(4):
        assert attempt(client, "wrong-password-123").status_code == 200
    assert attempt(client, "wrong-password-123").status_code == 429  # the fifth locks

    locked = attempt(client, PASSWORD)

    assert locked.status_code == 429
    assert b"This account is locked for a while" in locked.content
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_signs_in_and_clears_the_count(client, clinician):
    for _ in range(3):
        attempt(client, "wrong-password-123")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "wrong-password-123")
    assert attempt(client, PASSWORD).status_code == 302


def test_the_api_token_endpoint_is_throttled_too(client, clinician):
    def token(password):
        return client.post(
            "/api/v1/auth/token/",
            {"username": "nurse", "password": password},
            content_type="application/json",
        )

    for _ in range(5):
        token("wrong-password-123")
    response = token(PASSWORD)
    assert response.status_code == 400  # the locked account's right password is refused
    assert "token" not in response.json()


def policy_of(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/docs/", "/admin/login/"])
def test_pages_carry_a_content_security_policy_without_inline_scripts(client, path):
    directives = policy_of(client.get(path))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize(
    ("path", "style_src"),
    [
        ("/accounts/login/", "'self'"),
        ("/me/", "'self'"),
        ("/no-such-page/", "'self'"),
        ("/admin/login/", "'self' 'unsafe-inline'"),
        ("/api/v1/docs/", "'self' 'unsafe-inline'"),
    ],
)
def test_inline_styles_are_allowed_only_on_the_admin_site_and_the_api_docs(client, path, style_src):
    assert policy_of(client.get(path))["style-src"] == style_src
