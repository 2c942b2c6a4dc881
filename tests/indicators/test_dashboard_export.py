"""The CSV export of a team's dashboards: the aggregates shown, audited, and nothing identifying."""

import csv
import io

import pytest

from indicators.exports import HEADER, cell_text
from indicators.models import TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from indicators.presentation import index_text, number_text, share_shown
from patients.models import AuditEvent, Membership
from tests.factories import MembershipFactory, UserFactory
from tests.indicators.test_dashboard_pages import EARLIER, LATER, cohort, someone, url

pytestmark = pytest.mark.django_db


def download(client, team, **query) -> tuple[list[dict], object]:
    response = client.get(url("team_export", team, **query))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return rows, response


def value_of(rows, quarter: str, figure: str, statistic: str) -> dict:
    [row] = [
        r
        for r in rows
        if r["quarter"] == quarter and r["figure"] == figure and r["statistic"] == statistic
    ]
    return row


def test_the_csv_holds_the_stored_figures_of_the_quarters_shown(client, team, clinician, manager):
    cohort(team, clinician, [2, 4, 6, 8, 10, 7], initiated="patient", own_priorities=True)
    summaries_rebuild_all()
    client.force_login(manager)

    rows, response = download(client, team)

    stored = TeamSummary.objects.get(team=team, period=LATER).figures
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="team-{team.pk}-{LATER}.csv"'
    assert list(rows[0]) == HEADER
    assert {r["quarter"] for r in rows} == {EARLIER, LATER}
    assert {r["team"] for r in rows} == {"Riverside Practice"}
    index = value_of(rows, LATER, "Patient-weighted index", "median")
    assert index["value"] == index_text(stored["index"]["median"])  # as the pages show it
    assert index["suppressed"] == "no"
    q1 = value_of(rows, LATER, "Patient-weighted index", "lower quartile")
    assert q1["value"] == index_text(stored["index"]["q1"])
    assert value_of(rows, LATER, "Patients counted", "patients")["value"] == "6"
    initiated = value_of(rows, LATER, "Patient-initiated contacts", "share (0 to 1)")
    assert initiated["value"] == "1"
    h1 = "H1 Biomedical markers within a personally agreed, realistic range"
    assert value_of(rows, LATER, h1, "patients giving points")["value"] == "6"
    share = value_of(rows, LATER, h1, "mean share of points (0 to 1)")
    held = stored["priorities"]["elements"]["H1"]["mean_share"]
    assert share["value"] == number_text(share_shown(held))
    assert share["value"] == "0.4"
    health = value_of(
        rows, LATER, "Health, wellbeing and quality of life", "patients giving points"
    )
    assert (health["section"], health["value"]) == ("priorities by domain", "6")


def test_a_suppressed_figure_has_an_empty_value_and_is_flagged(client, team, clinician, manager):
    cohort(team, clinician, [3, 4, 6, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    rows, _ = download(client, team)

    for figure, statistic in (
        ("Patient-weighted index", "median"),
        ("Patients counted", "patients"),
        ("Coverage", "median"),
        ("Improved", "patients"),
    ):
        row = value_of(rows, LATER, figure, statistic)
        assert (row["value"], row["suppressed"]) == ("", "yes"), figure
    assert not [r for r in rows if r["suppressed"] == "yes" and r["value"]]
    assert not [
        r
        for r in rows
        if r["figure"] == "Patient-weighted index" and r["statistic"] == "lower quartile"
    ]


def test_the_csv_has_no_patient_identifier_note_or_rare_item(client, team, clinician, manager):
    people = [
        someone(
            team,
            clinician,
            after=v,
            name=f"Zed Quentin{v}",
            item="Visiting Aunt Mabel",
            context="bereavement",
        )
        for v in (4, 5, 6, 7, 8)
    ]
    someone(team, clinician, item="Sailing to Skye")
    summaries_rebuild_all()
    client.force_login(manager)

    rows, response = download(client, team)

    text = response.content.decode()
    assert "Zed" not in text
    assert "Staff-only note" not in text
    assert "Private:" not in text
    assert "Sailing to Skye" not in text
    assert "Visiting Aunt Mabel (Health, wellbeing and quality of life)" in text  # five share it
    assert clinician.username not in text
    assert str(clinician) not in text  # caseloads are not exported
    identifiers = {str(p.pk) for p in people}
    assert not [r for r in rows if r["figure"] in identifiers]
    assert {r["section"] for r in rows} == {
        "overview",
        "what matters",
        "priorities by domain",
        "priorities by element",
        "common personal items",
        "context",
    }


def test_every_export_is_written_to_the_audit_log(client, team, clinician, manager):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    download(client, team, period=EARLIER)

    event = AuditEvent.objects.get(action="export")
    assert event.actor == manager
    assert event.actor_role == "manager"
    assert event.patient is None
    assert event.what == f"team dashboard CSV Riverside Practice {EARLIER}"
    assert event.path == url("team_export", team)


def test_an_outsider_gets_404_and_nothing_is_audited(client, team, clinician, other_clinician):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(other_clinician)

    assert client.get(url("team_export", team)).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_clinical_lead_of_the_team_may_export_too(client, team, clinician):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    lead = UserFactory()
    MembershipFactory(user=lead, team=team, role=Membership.Role.CLINICIAN)
    client.force_login(lead)

    rows, _ = download(client, team)

    assert value_of(rows, LATER, "Patients counted", "patients")["value"] == "5"
    assert AuditEvent.objects.get(action="export").actor == lead


def test_text_a_spreadsheet_would_run_as_a_formula_is_defused(client, team, clinician, manager):
    team.name = '=HYPERLINK("http://x")'
    team.save()
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    rows, _ = download(client, team)

    assert {r["team"] for r in rows} == {'\'=HYPERLINK("http://x")'}
    assert cell_text("-1") == "'-1"
    assert cell_text("Walking the dog") == "Walking the dog"


def test_the_csv_holds_each_instruments_figures_withheld_as_on_the_page(client, team, manager):
    from tests.indicators.test_instrument_summaries import Q1, phq2, team_answering

    team_answering(team, "PHQ2", [phq2(t) for t in (0, 1, 2, 4, 6)], on=Q1)
    summaries_rebuild_all()
    client.force_login(manager)

    rows, _ = download(client, team, quarter="2026Q1")

    figure = "PHQ2: score"
    assert value_of(rows, "2026Q1", figure, "patients")["value"] == "5"
    assert value_of(rows, "2026Q1", figure, "median")["value"] == "2"
    assert value_of(rows, "2026Q1", figure, "upper quartile")["value"] == "4"
    share = value_of(rows, "2026Q1", figure, "share screening positive (0 to 1)")
    assert share["value"] == ""
    assert share["section"] == "instruments"
    assert share["not_shown_because"] == "fewer than 5 patients"
