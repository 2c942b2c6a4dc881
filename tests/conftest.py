"""Persona fixtures shared by every test: two teams, their clinicians, a patient, a manager."""

import os

import factory.random
import pytest
from hypothesis import settings as hypothesis_settings

from patients.models import Membership, User

from .factories import MembershipFactory, PatientFactory, TeamFactory, UserFactory
from .support.seeds import seed_of

PASSWORD = "correct-horse-battery-staple"

# Property and schema fuzz tests run the same examples on every machine and every run, so a clean
# clone always gives the same result; `make fuzz` explores with fresh random examples instead.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
EXPLORING = os.environ.get("HYPOTHESIS_PROFILE") == "explore"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Each test's made-up names, e-mails and other factory values come from a seed of its own
    (its id), set before any of its fixtures, module-wide ones included: the same on every run,
    whichever tests ran before it in its process (`make test` hands tests out to two processes
    as they come free)."""
    factory.random.reseed_random(seed_of(item.nodeid))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """`make test` runs the suite in two processes (pytest-xdist, ``--dist loadgroup``), each
    test sent to whichever process is free, in collection order. The tests of a module that
    builds a module-wide fixture (a large caseload, a seeded cohort) are kept in one process, so
    the fixture is built once."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        defs = [d for fixturedefs in info.name2fixturedefs.values() for d in fixturedefs]
        if any(d.scope == "module" for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """Tests run tasks in-process even where CI sets a broker; worker tests opt in to one."""
    from ssm_outcomes.celery import app

    app.conf.task_always_eager = True


@pytest.fixture(autouse=True, scope="session")
def _shared_cache_keys_of_this_run():
    """The flags shared through Redis carry a prefix of this test process, so test processes
    running side by side (``-n 2``) or two runs on one Redis never see each other's flags. The
    workers a test starts read it from the environment."""
    from django.conf import settings
    from django.test import override_settings

    prefix = f"ssm-test-{os.getpid()}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    caches = {
        alias: {**config, "KEY_PREFIX": prefix} if "redis" in config["BACKEND"] else config
        for alias, config in settings.CACHES.items()
    }
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts, and leaves the thread, in the site's language: a Dutch request in one
    test must not leave Dutch switched on for the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _after_commit_forgotten():
    """Each test starts with no record of after-commit work already run on this thread."""
    from ssm_outcomes import after_commit

    after_commit.forget()


@pytest.fixture(autouse=True)
def _no_group_refresh_waiting():
    """Each test starts with no team and caseload refresh recorded as waiting (a flag in the
    shared cache, which on CI is Redis and outlives a test)."""
    from django.core.cache import caches

    from indicators.freshness import GROUP_REFRESH_WAITING

    caches["coordination"].delete(GROUP_REFRESH_WAITING)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow by design; tests that create many users use a fast hasher instead."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Riverside Practice")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Hillside Practice")


@pytest.fixture
def clinician(team):
    user = UserFactory(username="nurse", first_name="Nia", role=User.Role.CLINICIAN)
    MembershipFactory(user=user, team=team, role=Membership.Role.CLINICIAN)
    return user


@pytest.fixture
def other_clinician(other_team):
    """A clinician of another team: must never reach the first team's patients."""
    user = UserFactory(username="othernurse", role=User.Role.CLINICIAN)
    MembershipFactory(user=user, team=other_team, role=Membership.Role.CLINICIAN)
    return user


@pytest.fixture
def manager(team):
    user = UserFactory(username="manager", role=User.Role.MANAGER)
    MembershipFactory(user=user, team=team, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def patient(team):
    """A patient of `team`, with a portal login."""
    user = UserFactory(username="pat", first_name="Pat", role=User.Role.PATIENT)
    return PatientFactory(display_name="Pat P.", user=user, teams=[team])


@pytest.fixture
def other_patient(other_team):
    user = UserFactory(username="otherpat", role=User.Role.PATIENT)
    return PatientFactory(display_name="Olive O.", user=user, teams=[other_team])
