"""Sign-in lockouts count each client on its own. Behind the documented TLS proxy
(``BEHIND_TLS_PROXY``) every request comes from the proxy's address, so the client is the address
the proxy recorded in ``X-Forwarded-For`` (``TRUSTED_PROXY_COUNT`` entries in from the right);
without the proxy the header is the client's own claim and is ignored."""

import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from ssm_outcomes.client_address import client_ip
from tests.conftest import PASSWORD
from tests.support.services import ROOT, subprocess_env
from tests.support.settings_probe import settings_read

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ALICE, BOB = "203.0.113.5", "198.51.100.7"
LOCKED = "This account is locked for a while"


def sign_in(username: str, password: str, forwarded: str | None, remote: str = PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=remote).post(
        reverse("login"), {"username": username, "password": password}, **headers
    )


def five_wrong_passwords_from(forwarded: str | None, remote: str = PROXY) -> None:
    """Five failures from one address, each for another username, so only the address locks."""
    for n in range(5):
        sign_in(f"guess-{n}", "wrong-password-123", forwarded, remote)


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def no_proxy(settings):
    settings.BEHIND_TLS_PROXY = False


def test_behind_the_proxy_two_clients_are_locked_out_separately(behind_proxy, clinician):
    five_wrong_passwords_from(ALICE)

    alice = sign_in("nurse", PASSWORD, ALICE)
    bob = sign_in("nurse", PASSWORD, BOB)

    assert alice.status_code == 429
    assert LOCKED in alice.content.decode()
    assert bob.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


def test_behind_the_proxy_a_spoofed_header_does_not_unlock(behind_proxy, clinician):
    five_wrong_passwords_from(ALICE)

    # The client writes an address of its own; the proxy appends the one it really saw.
    spoofed = sign_in("nurse", PASSWORD, f"{BOB}, {ALICE}")

    assert spoofed.status_code == 429
    assert LOCKED in spoofed.content.decode()


def test_behind_two_proxies_the_client_is_two_entries_from_the_right(behind_proxy, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{BOB}, {ALICE}, 192.0.2.9"
    )

    assert client_ip(request) == ALICE


def test_behind_the_proxy_a_request_without_the_header_is_the_peer(behind_proxy):
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=PROXY)) == PROXY


def test_behind_the_proxy_an_entry_that_is_not_an_address_falls_back_to_the_peer(behind_proxy):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")

    assert client_ip(request) == PROXY


def test_without_the_proxy_the_header_is_ignored(no_proxy, clinician):
    five_wrong_passwords_from(ALICE, remote="127.0.0.1")

    other_header = sign_in("nurse", PASSWORD, BOB, remote="127.0.0.1")

    assert other_header.status_code == 429  # the same client, whatever it writes
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_without_the_proxy_a_header_cannot_lock_out_someone_else(no_proxy, clinician):
    five_wrong_passwords_from(BOB, remote="127.0.0.1")

    assert sign_in("nurse", PASSWORD, None, remote="192.0.2.50").status_code == 302


def settings_read_with(**env: str) -> list:
    """The proxy settings as a fresh start reads them from ``env``."""
    s = settings_read(DEBUG="1", **{"BEHIND_TLS_PROXY": None, "TRUSTED_PROXY_COUNT": None, **env})
    return [
        s.BEHIND_TLS_PROXY,
        s.TRUSTED_PROXY_COUNT,
        s.REST_FRAMEWORK["NUM_PROXIES"],
        s.AXES_CLIENT_IP_CALLABLE,
    ]


def test_the_settings_read_the_proxy_and_its_count_from_the_environment():
    callable_name = "ssm_outcomes.client_address.client_ip"
    assert settings_read_with(BEHIND_TLS_PROXY="0") == [False, 1, 0, callable_name]
    assert settings_read_with(BEHIND_TLS_PROXY="1") == [True, 1, 1, callable_name]
    assert settings_read_with(BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2") == [
        True,
        2,
        2,
        callable_name,
    ]


def test_a_proxy_count_below_one_is_refused_at_start_up():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=subprocess_env(DEBUG="1", BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="0"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 1 or more, not 0" in result.stderr


@pytest.mark.parametrize(
    ("behind", "count", "expected"), [(True, 1, ALICE), (True, 2, BOB), (False, 1, PROXY)]
)
def test_api_throttles_see_the_same_client_as_sign_in_lockouts(settings, behind, count, expected):
    settings.BEHIND_TLS_PROXY = behind
    settings.TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": count if behind else 0,  # as settings.py derives it
    }
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{BOB}, {ALICE}")

    assert BaseThrottle().get_ident(request) == expected
    assert client_ip(request) == expected
