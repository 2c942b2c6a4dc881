"""The dashboards' Instruments page: one plain table per instrument from the stored team summary,
with its name and licence notice, small numbers withheld, collaboRATE marked indicative, and the
same access rules as the other team pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from assessments.instruments import instrument
from assessments.responses import response_record, team_instrument_offer
from indicators.instrument_dashboard import instruments_shown
from indicators.models import TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from patients.models import Membership, User
from tests.factories import MembershipFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 11, 12)
PERIOD = "2025Q4"
BESIDE = "These measures sit beside the patient-weighted index and never enter it."


def page_url(team) -> str:
    return reverse("dashboards:team_instruments", args=[team.pk])


def answered(team, code, answers_each):
    for answers in answers_each:
        response_record(patient=PatientFactory(teams=[team]), instrument=code, answers=answers,
                        completed_on=ON, rater="patient")  # fmt: skip


@pytest.fixture
def team_with_instruments(team):
    team_instrument_offer(team=team, instrument="SEMCD6", schedule="quarterly")
    # PHQ-2 totals 0, 1, 1, 2, 4, 5, 6: median 2, middle half 1 to 4.5, 3 of 7 positive
    answered(team, "PHQ2", [{"1": min(t, 3), "2": max(t - 3, 0)} for t in (0, 1, 1, 2, 4, 5, 6)])
    answered(team, "COLLABORATE", [{"1": 9, "2": 9, "3": 9}] * 6)
    answered(team, "GAD2", [{"1": 1, "2": 1}] * 3)
    summaries_rebuild_all()
    return team


def rows_of(page: str, name: str) -> dict[str, str]:
    section = page.split(f">{name}</h2>")[1].split("</section>")[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', section))


def test_each_instrument_has_a_plain_table_its_name_and_its_licence_notice(
    client, manager, team_with_instruments
):
    client.force_login(manager)

    response = client.get(page_url(team_with_instruments))

    page = response.content.decode()
    assert response.status_code == 200
    assert BESIDE in page
    names = re.findall(r'<h2 id="instrument-(\w+)-heading">', page)
    assert names == ["SEMCD6", "PHQ2", "GAD2", "COLLABORATE"]  # the catalogue's order, no rank
    for code in names:
        assert instrument(code).name in page
        assert instrument(code).licence.notice in page
    assert rows_of(page, instrument("PHQ2").name) == {
        "Patients who answered": "7",
        "Median": "2",
        "Middle half of patients": "1 to 4.5",
        "Patients who screened positive": "fewer than 5",
    }
    assert rows_of(page, instrument("GAD2").name) == {
        "Patients who answered": "fewer than 5",
        "Median": "fewer than 5",
        "Middle half of patients": "fewer than 5",
        "Patients who screened positive": "fewer than 5",
    }
    assert rows_of(page, instrument("SEMCD6").name)["Patients who answered"] == "fewer than 5"
    assert rows_of(page, instrument("COLLABORATE").name) == {
        "Patients who answered": "6",
        "Median": "9",
        "Middle half of patients": "9 to 9",
        "Patients who gave the top score on all three questions": "100%",
    }
    collaborate = page.split(">collaboRATE</h2>")[1].split("</section>")[0]
    assert "Indicative: fewer than 25 responses" in collaborate
    assert "Indicative" not in page.split(">collaboRATE</h2>")[0]


def test_a_share_shown_is_a_whole_percentage(client, manager, team):
    answered(team, "PHQ2", [{"1": 3, "2": 3}] * 5 + [{"1": 0, "2": 0}] * 5)
    summaries_rebuild_all()
    client.force_login(manager)

    page = client.get(page_url(team)).content.decode()

    assert rows_of(page, instrument("PHQ2").name)["Patients who screened positive"] == "50%"


def test_a_summary_stored_before_instruments_says_not_worked_out_yet(client, manager, team):
    TeamSummary.objects.create(team=team, period=PERIOD, figures={"patients": None}, stale=False)
    client.force_login(manager)

    page = client.get(page_url(team)).content.decode()

    assert "Not worked out yet for this quarter" in page
    assert instruments_shown({"patients": None}) is None


def test_a_quarter_without_instruments_says_so(client, manager, team):
    TeamSummary.objects.create(team=team, period=PERIOD, figures={"instruments": {}}, stale=False)
    client.force_login(manager)

    page = client.get(page_url(team)).content.decode()

    assert "No instruments this quarter" in page


def test_the_nav_links_every_team_page_to_the_instruments(client, clinician, team_with_instruments):
    client.force_login(clinician)

    page = client.get(reverse("dashboards:team_overview", args=[team_with_instruments.pk]))

    assert f'href="{page_url(team_with_instruments)}?period={PERIOD}"' in page.content.decode()


def test_the_teams_clinician_and_manager_see_it_and_nobody_else(
    client, team_with_instruments, clinician, manager, other_clinician, other_team, patient
):
    team = team_with_instruments
    outsider = UserFactory(role=User.Role.MANAGER)
    MembershipFactory(user=outsider, team=other_team, role=Membership.Role.MANAGER)

    got = {}
    for name, user in [("clinician", clinician), ("manager", manager),
                       ("other_clinician", other_clinician), ("other_manager", outsider),
                       ("patient", patient.user), ("anonymous", None)]:  # fmt: skip
        client.logout()
        if user is not None:
            client.force_login(user)
        got[name] = client.get(page_url(team)).status_code

    assert got == {
        "clinician": 200,
        "manager": 200,
        "other_clinician": 404,
        "other_manager": 404,
        "patient": 404,
        "anonymous": 302,
    }
