"""Dutch switched on for a test, whatever settings.py says yet: the project's catalogues on the
path, Dutch among the languages, LocaleMiddleware in place and the browser asking for Dutch. The
catalogues are compiled once a session when a .mo is missing or older than its .po, so a clean
clone passes (compiled catalogues are build products, never committed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from tests.support.catalogues import catalogues_compiled

LOCALE = Path(django_settings.BASE_DIR) / "locale"
LANGUAGES = [("en-gb", "English"), ("nl", "Nederlands"), ("nl-be", "Nederlands (België)")]
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    catalogues_compiled([LOCALE])


@pytest.fixture
def dutch_settings(settings):
    """The project's catalogues, Dutch and Flemish, and LocaleMiddleware after the session."""
    if LOCALE not in [Path(p) for p in settings.LOCALE_PATHS]:
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, LOCALE]
    codes = {code for code, _ in settings.LANGUAGES}
    if not {"nl", "nl-be"} <= codes:
        settings.LANGUAGES = LANGUAGES
    if LOCALE_MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        at = middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
        middleware.insert(at, LOCALE_MIDDLEWARE)
        settings.MIDDLEWARE = middleware
    yield settings
    translation.activate(django_settings.LANGUAGE_CODE)


def speaks_dutch(user, code: str = "nl") -> None:
    """Give the user Dutch as their own language once accounts have one (User.language)."""
    if hasattr(user, "language"):
        user.language = code
        user.save(update_fields=["language"])


@pytest.fixture
def dutch_client(client, dutch_settings, patient):
    """The patient, signed in, with a browser that asks for Dutch."""
    speaks_dutch(patient.user)
    client.force_login(patient.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    return client
