"""One stored index, the same number everywhere: the dashboards (overview, trends, caseloads, CSV),
My caseload, the clinician's record (headline and domain table) and the patient's progress page
(table and sentence) all write it by indicators.presentation's rule."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from assessments.services import priorities_set, rating_record
from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from patients.services import encounter_record
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

RATED_ON = dt.date(2025, 11, 12)
PERIOD = "2025Q4"


def rated(person, clinician, h2_points: int) -> None:
    """H1 rated 7 and H2 rated 8, weighted (100 − p) : p, so the index is 70 + p / 10."""
    priorities_set(
        patient=person, effective_from=RATED_ON, points={"H1": 100 - h2_points, "H2": h2_points}
    )
    for key, value in (("H1", 7), ("H2", 8)):
        rating_record(patient=person, element=key, value=value, rated_on=RATED_ON, rater="patient")
    encounter_record(
        patient=person,
        clinician=clinician,
        occurred_at=dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC),
        mode="phone",
        initiated_by="service",
        duration_minutes=10,
    )


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html)]


@pytest.mark.parametrize(
    ("h2_points", "stored", "staff", "patients"),
    [
        (35, 73.5, "74", "7.4"),  # shown as 7.3, 7.4 and 74 before
        (25, 72.5, "73", "7.3"),  # half up, where round() goes to even
        (45, 74.5, "75", "7.5"),
        (4, 70.4, "70", "7.0"),
    ],
)
def test_every_surface_shows_the_same_number_for_the_same_stored_index(
    client, team, clinician, manager, patient, h2_points, stored, staff, patients
):
    people = [patient, *(PatientFactory(teams=[team]) for _ in range(4))]
    for person in people:
        rated(person, clinician, h2_points)
    summaries_rebuild_all()
    mine = PatientSummary.objects.get(patient=patient, period=PERIOD)
    team_median = TeamSummary.objects.get(team=team, period=PERIOD).figures["index"]["median"]
    caseload = CaseloadSummary.objects.get(clinician=clinician, period=PERIOD).figures
    for value in (mine.index, mine.h_score, team_median, caseload["index"]["median"]):
        assert value == pytest.approx(stored)

    client.force_login(manager)
    overview = client.get(reverse("dashboards:team_overview", args=[team.pk]))
    assert overview.context["figures"]["index"].text == staff
    assert f'<span class="visually-hidden">Median </span>{staff}</p>' in overview.text
    assert re.search(rf"<th scope=\"row\">[^<]*</th><td class=\"num\">{staff}</td>", overview.text)
    trends = client.get(reverse("dashboards:team_trends", args=[team.pk]))
    assert trends.context["trends"][0].rows[-1][1] == staff
    assert f"{PERIOD} {staff} (middle half {staff} to {staff})" in trends.text
    caseloads = client.get(reverse("dashboards:team_caseloads", args=[team.pk]))
    [(_, figures, _)] = caseloads.context["caseloads"]
    assert figures["index"].text == staff
    index_cell = cells(caseloads.text.split('class="caseloads"')[1])[1]
    assert index_cell == f"{staff} middle half {staff} to {staff}"
    export = client.get(reverse("dashboards:team_export", args=[team.pk]))
    [median] = [
        r
        for r in csv.DictReader(io.StringIO(export.content.decode()))
        if (r["quarter"], r["figure"], r["statistic"])
        == (PERIOD, "Patient-weighted index", "median")
    ]
    assert median["value"] == staff

    client.force_login(clinician)
    my_caseload = client.get(reverse("dashboards:my_caseload"))
    assert my_caseload.context["figures"]["index"].text == staff
    assert my_caseload.context["trends"][0].rows[-1][1] == staff
    record = client.get(reverse("clinic:patient", args=[patient.pk])).text
    assert f"index <strong>{staff}</strong> out of 100" in record
    assert f'<th scope="row">{PERIOD}</th><td class="num">{staff}</td>' in record
    assert f"{PERIOD} {staff}" in record  # the domain chart's reading

    client.force_login(patient.user)
    progress = client.get(reverse("portal:progress"))
    assert f"your score was {patients} out of 10." in progress.text
    assert progress.context["tables"][0]["lines"][0] == ("Overall", [patients])
    assert progress.context["tables"][0]["lines"][1][1] == [patients]
    assert f"<strong>{patients}</strong>" in progress.text
    chart = re.search(r'<desc id="chart-overall-desc">(.*?)</desc>', progress.text)[1]
    assert f"{patients}." in chart
