"""Validated instruments in the summaries over the API: a patient's quarter gives the latest
scores of each instrument answered, a team's quarter gives each instrument's figures with the
small-number rule; every existing field is unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.responses import response_record
from assessments.services import rating_record
from indicators.patient_summaries import summaries_rebuild_all
from indicators.small_numbers import FEWER_THAN_5
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
DAY = "2026-10-05"
ON = dt.date(2026, 10, 5)
PERIOD = "2026Q4"

PATIENT_FIELDS = {
    "period", "index", "coverage", "weights_source", "domains", "goal_attainment", "markers",
    "change", "direction", "perspective_gap", "attribution_caveat", "context_events",
    "encounters", "patient_initiated", "instruments", "stale", "computed_at",
}  # fmt: skip


def test_a_posted_response_reaches_the_patients_summaries(
    as_clinician, as_patient, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted = as_patient.post(
            f"/api/v1/patients/{patient.pk}/responses/",
            {"instrument": "PHQ2", "answers": {"1": 1, "2": 2}, "completed_on": DAY,
             "rater": "patient"},
            format="json",
        )  # fmt: skip
    assert posted.status_code == 201, posted.content

    one = as_clinician.get(f"/api/v1/patients/{patient.pk}/summaries/{PERIOD}/").json()
    every = as_clinician.get(f"/api/v1/patients/{patient.pk}/summaries/").json()
    own = as_patient.get(f"/api/v1/patients/{patient.pk}/summaries/{PERIOD}/").json()

    assert set(one) == PATIENT_FIELDS
    assert one["instruments"] == {"PHQ2": {"score": 3, "positive": True}}
    assert one["index"] is None
    assert one["stale"] is False
    assert [s["instruments"] for s in every] == [{"PHQ2": {"score": 3, "positive": True}}]
    assert own["instruments"] == one["instruments"]


def test_a_summary_without_responses_has_empty_instruments(as_clinician, patient):
    rating_record(patient=patient, element="H1", value=7, rated_on=ON, rater="patient")
    summaries_rebuild_all()

    one = as_clinician.get(f"/api/v1/patients/{patient.pk}/summaries/{PERIOD}/").json()

    assert one["instruments"] == {}
    assert one["index"] == pytest.approx(70.0)


def test_the_team_summary_gives_each_instruments_figures_or_withholds_them(as_manager, team):
    for total in (0, 1, 2, 3, 4, 5):
        person = PatientFactory(teams=[team])
        response_record(patient=person, instrument="GAD2",
                        answers={"1": min(total, 3), "2": max(total - 3, 0)},
                        completed_on=ON, rater="patient")  # fmt: skip
    for mean in (9, 8, 7):
        response_record(patient=PatientFactory(teams=[team]), instrument="COLLABORATE",
                        answers={"1": mean, "2": mean, "3": mean}, completed_on=ON,
                        rater="patient")  # fmt: skip
    summaries_rebuild_all()

    summary = as_manager.get(f"/api/v1/teams/{team.pk}/summaries/{PERIOD}/").json()

    assert summary["patients"] == 9
    assert summary["instruments"]["GAD2"] == {
        "n": 6, "main_score": "score", "median": 2.5, "q1": 1.25, "q3": 3.75,
        "share_positive": None,  # 3 of 6 positive: a small number either way
    }  # fmt: skip
    assert summary["instruments"]["COLLABORATE"] == {
        "n": None, "main_score": "mean", "median": None, "q1": None, "q3": None,
        "top_score_share": None, "indicative": True,
    }  # fmt: skip
    reasons = summary["suppressed_reasons"]
    assert reasons["instruments.GAD2.share_positive"] == FEWER_THAN_5
    assert reasons["instruments.COLLABORATE.n"] == FEWER_THAN_5
    assert reasons["instruments.COLLABORATE.top_score_share"] == FEWER_THAN_5
    assert "instruments.GAD2.median" not in reasons
    assert summary["index"] is None  # the instruments never enter the index


def test_the_schema_documents_the_instruments_of_both_summaries(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    assert "instruments" in components["PatientSummaryOutput"]["properties"]
    team = components["TeamSummaryOutput"]["properties"]["instruments"]
    assert team["additionalProperties"]["$ref"].endswith("/GroupInstrument")
    assert set(components["GroupInstrument"]["properties"]) == {
        "n", "main_score", "median", "q1", "q3", "share_positive", "top_score_share",
        "indicative",
    }  # fmt: skip
