"""Changing a patient's teams: a clinician adds or removes only teams they work in; the
patient's other teams keep them, whatever the request says."""

import pytest
from rest_framework.test import APIClient

from patients.models import Membership
from tests.factories import MembershipFactory, PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_team(clinician):
    team = TeamFactory(name="Diabetes Specialist Service")
    MembershipFactory(user=clinician, team=team, role=Membership.Role.CLINICIAN)
    return team


@pytest.fixture
def shared(team, second_team, other_team):
    """A patient of both the clinician's teams and of a third team the clinician is not in."""
    return PatientFactory(display_name="Sam S.", teams=[team, second_team, other_team])


def patch_teams(clinician, patient, teams, language="en-GB"):
    client = APIClient()
    client.force_login(clinician)
    url = f"/api/v1/patients/{patient.pk}/"
    return client.patch(url, {"teams": teams}, format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_removing_own_teams_keeps_the_teams_the_clinician_is_not_in(
    clinician, shared, team, other_team
):
    response = patch_teams(clinician, shared, [team.pk])

    assert response.status_code == 200
    assert sorted(response.json()["teams"]) == sorted([team.pk, other_team.pk])
    assert set(shared.teams.values_list("pk", flat=True)) == {team.pk, other_team.pk}


def test_a_clinician_cannot_name_a_team_they_do_not_work_in(clinician, shared, other_team):
    response = patch_teams(clinician, shared, [other_team.pk])

    assert response.status_code == 400
    assert response.json() == {"teams": ["teams must be teams you work in"]}
    response = patch_teams(clinician, shared, [other_team.pk], language="nl")
    assert response.json() == {"teams": ["teams moeten zorgteams zijn waarin je werkt"]}
    assert shared.teams.count() == 3


def test_a_clinician_adds_their_other_team_without_touching_the_rest(
    clinician, team, second_team, other_team
):
    patient = PatientFactory(teams=[team, other_team])

    response = patch_teams(clinician, patient, [team.pk, second_team.pk])

    assert response.status_code == 200
    assert set(patient.teams.values_list("pk", flat=True)) == {
        team.pk,
        second_team.pk,
        other_team.pk,
    }
