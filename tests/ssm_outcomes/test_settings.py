"""Production settings come from the environment and pass Django's deployment checks."""

import re
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from ssm_outcomes.env import env_bool, env_int, env_list
from tests.support.services import ROOT, subprocess_env
from tests.support.settings_probe import settings_read

STRONG_KEY = "k3y-" + "Zq8#vL2@pW7!mR4$" * 4


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="ssm.example.org",
        DATABASE_URL="",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_when_no_secret_key_is_set():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="",
        ALLOWED_HOSTS="ssm.example.org",
        DATABASE_URL="",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_debug_is_off_unless_set(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    assert env_bool("DEBUG") is False


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("0", False), ("no", False)]
)
def test_boolean_settings_read_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG") is expected


def test_a_misspelt_boolean_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG")


def test_a_non_numeric_whole_number_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 1)


def test_list_settings_split_on_commas(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", "a.example, b.example,")
    assert env_list("SOME_HOSTS") == ["a.example", "b.example"]


def test_without_a_broker_tasks_run_in_process(settings):
    from django.conf import settings as live

    assert live.CELERY_TASK_ALWAYS_EAGER is (not live.CELERY_BROKER_URL)


def test_passwords_are_hashed_with_argon2_and_must_be_12_long():
    from ssm_outcomes import settings as project

    assert project.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    lengths = [v.get("OPTIONS", {}).get("min_length") for v in project.AUTH_PASSWORD_VALIDATORS]
    assert 12 in lengths


@pytest.mark.parametrize("alias", ["progress", "coordination"])
def test_the_shared_caches_are_the_brokers_redis_and_in_memory_without_one(alias):
    on_redis = settings_read(
        DEBUG="1", CELERY_BROKER_URL="redis://broker.internal:6379/0", CACHE_KEY_PREFIX=None
    )
    assert on_redis.CACHES[alias] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://broker.internal:6379/0",
    }
    alone = settings_read(DEBUG="1", CELERY_BROKER_URL=None)
    assert alone.CACHES[alias] == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": alias,
    }


@pytest.mark.parametrize("alias", ["progress", "coordination"])
def test_a_cache_key_prefix_keeps_two_sites_on_one_redis_database_apart(alias):
    shared = settings_read(
        DEBUG="1", CELERY_BROKER_URL="redis://broker.internal:6379/0", CACHE_KEY_PREFIX="site-a"
    )
    assert shared.CACHES[alias] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://broker.internal:6379/0",
        "KEY_PREFIX": "site-a",
    }


def configuration_table() -> set[str]:
    """The variables the README's configuration table names in its first column."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def test_the_readme_lists_every_setting_read_from_the_environment():
    source = (ROOT / "ssm_outcomes" / "settings.py").read_text()
    read = set(re.findall(r'\benv_\w+\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"ALLOWED_HOSTS", "DATABASE_URL", "REMINDER_DAYS_BEFORE"} <= read  # the search works

    listed = configuration_table()

    assert sorted(read - listed) == []
    assert sorted(listed - read) == []
