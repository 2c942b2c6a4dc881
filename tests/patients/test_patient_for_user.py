"""Opening one patient's record (``patient_get_for_user``) follows the one access rule,
``patients_visible_to``, for every kind of user and patient, and for a clinician it reads the
patient and their login in two light statements rather than composing the rule's subqueries.

The matrix: clinicians of one team, of both, of neither, a clinician of one team who manages
the other, a manager and a network lead of the team, a patient (their own record and
another's), an inactive clinician and no one signed in; patients of one team, of the other, of
both, of none, with and without a login."""

from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from patients.audit import Actor, Audit
from patients.models import AuditEvent, Membership, User
from patients.selectors import patient_get_for_user, patients_visible_to
from tests.factories import MembershipFactory, PatientFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member(name: str, teams, role=Membership.Role.CLINICIAN, **extra) -> User:
    user = UserFactory(username=name, role=extra.pop("user_role", User.Role.CLINICIAN), **extra)
    for team in teams:
        MembershipFactory(user=user, team=team, role=role)
    return user


@pytest.fixture
def world():
    a, b = TeamFactory(name="A"), TeamFactory(name="B")
    login = UserFactory(username="own", role=User.Role.PATIENT)
    patients = {
        "of A, with a login": PatientFactory(teams=[a], user=login),
        "of B": PatientFactory(teams=[b]),
        "of both": PatientFactory(teams=[a, b]),
        "of no team": PatientFactory(teams=[]),
    }
    users = {
        "clinician of A": _member("ca", [a]),
        "clinician of both": _member("cab", [a, b]),
        "clinician of no team": _member("c0", []),
        "clinician of A, manager of B": _member("cam", [a]),
        "clinician of A, a superuser": _member("cas", [a], is_superuser=True),
        "manager of A": _member("ma", [a], Membership.Role.MANAGER, user_role=User.Role.MANAGER),
        "network lead of A": _member(
            "na", [a], Membership.Role.NETWORK_LEAD, user_role=User.Role.NETWORK_LEAD
        ),
        "clinician of A, inactive": _member("cx", [a], is_active=False),
        "the patient with the login": login,
        "no one signed in": AnonymousUser(),
    }
    MembershipFactory(user=users["clinician of A, manager of B"], team=b, role="manager")
    return users, patients


def test_each_user_opens_exactly_the_records_the_rule_lets_them(world):
    users, patients = world
    opened = {}
    for who, user in users.items():
        for whose, patient in patients.items():
            try:
                found = patient_get_for_user(user=user, patient_id=patient.pk)
            except Http404:
                found = None
            allowed = patients_visible_to(user=user).filter(pk=patient.pk).exists()
            assert (found is not None) == allowed, (who, whose)
            if found is not None:
                assert (found.pk, found.display_name) == (patient.pk, patient.display_name)
                assert found.user == patient.user
                opened[who] = [*opened.get(who, []), whose]
    assert opened == {
        "clinician of A": ["of A, with a login", "of both"],
        "clinician of both": ["of A, with a login", "of B", "of both"],
        "clinician of A, manager of B": ["of A, with a login", "of both"],
        "clinician of A, a superuser": ["of A, with a login", "of both"],
        "the patient with the login": ["of A, with a login"],
    }


@pytest.mark.parametrize("patient_id", [0, -1, 2**63, 10**30, "x", "", None, 999_999])
def test_an_id_that_names_no_patient_of_theirs_is_a_404(world, patient_id):
    users, _ = world
    for who in ("clinician of no team", "clinician of both", "the patient with the login"):
        with pytest.raises(Http404):
            patient_get_for_user(user=users[who], patient_id=patient_id)


def test_an_id_given_as_digits_is_read_as_the_number(world):
    users, patients = world
    pk = patients["of both"].pk
    assert patient_get_for_user(user=users["clinician of both"], patient_id=str(pk)).pk == pk


def test_a_clinician_reads_the_patient_and_their_login_in_two_light_statements(world):
    """However many teams the clinician has: the patient, then their login if they have one."""
    users, patients = world
    for who in ("clinician of A", "clinician of both"):
        with CaptureQueriesContext(connection) as queries:
            found = patient_get_for_user(
                user=users[who], patient_id=patients["of A, with a login"].pk
            )
            assert found.user.username == "own"  # read with the patient
        assert len(queries.captured_queries) <= 2, who
        with CaptureQueriesContext(connection) as queries:
            found = patient_get_for_user(user=users[who], patient_id=patients["of both"].pk)
            assert found.user is None
        assert len(queries.captured_queries) == 1, who


def test_a_read_is_audited_and_a_refusal_writes_no_read(world, rf):
    users, patients = world
    request = rf.get("/")
    request.user = users["clinician of A"]
    audit = Audit(Actor.of(request), "view", "patient record")
    patient_get_for_user(user=request.user, patient_id=patients["of both"].pk, audit=audit)
    with pytest.raises(Http404):
        patient_get_for_user(user=request.user, patient_id=patients["of B"].pk, audit=audit)
    assert list(AuditEvent.objects.values_list("patient_id", "action", "what")) == [
        (patients["of both"].pk, "view", "patient record")
    ]


def test_a_login_removed_between_the_two_reads_leaves_the_patient_without_one(world):
    users, patients = world
    with mock.patch.object(User.objects, "raw", return_value=[]):
        found = patient_get_for_user(
            user=users["clinician of A"], patient_id=patients["of A, with a login"].pk
        )
    assert (found.user_id, found.user) == (None, None)
