"""Validated instruments in the stored summaries: each patient's latest scores in a quarter, and a
team's figures per instrument under the small-number rule; beside the index, never in it."""

import datetime as dt

import pytest

from assessments.instruments import score
from assessments.responses import response_record, team_instrument_offer
from assessments.services import rating_record
from indicators.figures import SummaryRow, group_summary_figures
from indicators.group_summaries import team_summary_compute
from indicators.instrument_figures import instrument_figures
from indicators.models import PatientSummary, SummaryState, TeamSummary
from indicators.patient_summaries import patient_summaries_compute, summaries_rebuild_all
from indicators.small_numbers import FEWER_THAN_5, PROTECTS_SMALLER
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

Q1, Q1_LATE, Q2 = dt.date(2026, 2, 10), dt.date(2026, 3, 20), dt.date(2026, 5, 12)


def answer(patient, code, answers, on=Q1):
    return response_record(
        patient=patient, instrument=code, answers=answers, completed_on=on, rater="patient"
    )


def stored(patient, period="2026Q1") -> PatientSummary:
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    return PatientSummary.objects.get(patient=patient, period=period)


# --- A patient's quarter ------------------------------------------------------------------------


def test_a_patients_summary_holds_the_scores_of_each_instrument_answered(patient):
    rating_record(patient=patient, element="H1", value=6, rated_on=Q1, rater="patient")
    answer(patient, "PHQ2", {"1": 2, "2": 2})
    answer(patient, "ONS4", {"1": 7, "2": 8, "3": 6, "4": 3})

    summary = stored(patient)

    assert summary.instruments == {
        "PHQ2": {"score": 4, "positive": True},
        "ONS4": score("ONS4", {"1": 7, "2": 8, "3": 6, "4": 3}),
    }
    assert summary.index == pytest.approx(60.0)  # the index is the ratings' alone


def test_the_latest_response_in_the_quarter_wins_by_date_then_by_id(patient):
    answer(patient, "PHQ2", {"1": 3, "2": 3}, on=Q1_LATE)
    answer(patient, "PHQ2", {"1": 0, "2": 0}, on=Q1)  # saved later, completed earlier
    answer(patient, "GAD2", {"1": 1, "2": 1}, on=Q1)
    answer(patient, "GAD2", {"1": 2, "2": 2}, on=Q1)  # the same day, saved later
    answer(patient, "PHQ2", {"1": 1, "2": 0}, on=Q2)  # the next quarter

    assert stored(patient).instruments == {
        "PHQ2": {"score": 6, "positive": True},
        "GAD2": {"score": 4, "positive": True},
    }
    assert stored(patient, "2026Q2").instruments == {"PHQ2": {"score": 1, "positive": False}}


def test_a_quarter_with_only_a_response_gets_a_summary_without_an_index(patient):
    answer(patient, "SEMCD6", {str(i): 8 for i in range(1, 7)})

    summary = stored(patient)

    assert summary.instruments == {"SEMCD6": {"score": 8.0}}
    assert summary.index is None
    assert summary.coverage == 0


def test_a_saved_response_refreshes_the_summary_through_the_freshness_path(
    patient, django_capture_on_commit_callbacks
):
    rating_record(patient=patient, element="H1", value=6, rated_on=Q1, rater="patient")
    stored(patient)
    assert SummaryState.objects.get(patient=patient).is_stale is False

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(patient, "PHQ2", {"1": 1, "2": 1})
        assert SummaryState.objects.get(patient=patient).is_stale is True

    assert SummaryState.objects.get(patient=patient).is_stale is False
    assert PatientSummary.objects.get(patient=patient).instruments == {
        "PHQ2": {"score": 2, "positive": False}
    }

    with django_capture_on_commit_callbacks(execute=True):
        response_record(
            patient=patient,
            instrument="PHQ2",
            answers={"1": 3, "2": 3},
            completed_on=Q1,
            rater="patient",
            response=response,
        )

    assert PatientSummary.objects.get(patient=patient).instruments == {
        "PHQ2": {"score": 6, "positive": True}
    }


# --- A team's quarter ---------------------------------------------------------------------------


def team_answering(team, code, answers_each, on=Q1):
    people = []
    for answers in answers_each:
        person = PatientFactory(teams=[team])
        rating_record(patient=person, element="H1", value=5, rated_on=on, rater="patient")
        answer(person, code, answers, on=on)
        people.append(person)
    return people


def phq2(total: int) -> dict:
    return {"1": min(total, 3), "2": max(total - 3, 0)}


def test_four_patients_withhold_every_figure_of_an_instrument_and_five_show_them(team):
    people = team_answering(team, "PHQ2", [phq2(t) for t in (0, 1, 2, 4)])
    summaries_rebuild_all()

    four = TeamSummary.objects.get(team=team, period="2026Q1").figures

    assert four["instruments"] == {
        "PHQ2": {"n": None, "main_score": "score", "median": None, "q1": None, "q3": None,
                 "share_positive": None},
    }  # fmt: skip
    for name in ("n", "median", "q1", "q3", "share_positive"):
        assert four["suppressed_reasons"][f"instruments.PHQ2.{name}"] == FEWER_THAN_5

    people += team_answering(team, "PHQ2", [phq2(6)])
    summaries_rebuild_all()

    five = TeamSummary.objects.get(team=team, period="2026Q1").figures
    assert five["instruments"]["PHQ2"] == {
        "n": 5, "main_score": "score", "median": 2.0, "q1": 1.0, "q3": 4.0,
        "share_positive": None,  # 2 of 5 positive: a small number
    }  # fmt: skip
    assert five["suppressed_reasons"]["instruments.PHQ2.share_positive"] == FEWER_THAN_5
    assert not {k for k in five["suppressed_reasons"] if k.startswith("instruments.PHQ2.")} - {
        "instruments.PHQ2.share_positive"
    }
    assert len(people) == 5


def test_share_positive_is_shown_when_neither_part_is_a_small_number(team):
    team_answering(team, "GAD2", [phq2(t) for t in (0, 1, 2, 2, 1, 3, 4, 5, 6, 6)])
    summaries_rebuild_all()

    gad2 = TeamSummary.objects.get(team=team, period="2026Q1").figures["instruments"]["GAD2"]

    assert gad2["n"] == 10
    assert gad2["share_positive"] == pytest.approx(0.5)
    assert gad2["median"] == pytest.approx(2.5)


def test_a_share_that_would_give_away_the_rest_is_hidden_to_protect_them():
    rows = [{"PHQ2": {"score": 4, "positive": True}}] * 8 + [{"PHQ2": score("PHQ2", phq2(0))}] * 2

    figures = instrument_figures(rows)

    assert figures["instruments"]["PHQ2"]["share_positive"] is None
    assert figures["suppressed_reasons"] == {"instruments.PHQ2.share_positive": PROTECTS_SMALLER}
    assert figures["instruments"]["PHQ2"]["n"] == 10


def collaborate(top: bool) -> dict:
    return score("COLLABORATE", {"1": 9, "2": 9, "3": 9 if top else 5})


@pytest.mark.parametrize(("responses", "indicative"), [(24, True), (25, False)])
def test_collaborate_is_indicative_below_25_responses(responses, indicative):
    rows = [{"COLLABORATE": collaborate(i % 2 == 0)} for i in range(responses)]

    figures = instrument_figures(rows)["instruments"]["COLLABORATE"]

    assert figures["n"] == responses
    assert figures["indicative"] is indicative
    assert figures["main_score"] == "mean"
    tops = (responses + 1) // 2
    assert figures["top_score_share"] == pytest.approx(tops / responses)


def test_collaborate_with_four_responses_is_withheld_and_indicative():
    figures = instrument_figures([{"COLLABORATE": collaborate(True)}] * 4)

    assert figures["instruments"]["COLLABORATE"] == {
        "n": None, "main_score": "mean", "median": None, "q1": None, "q3": None,
        "indicative": True, "top_score_share": None,
    }  # fmt: skip
    assert figures["suppressed_reasons"]["instruments.COLLABORATE.top_score_share"] == FEWER_THAN_5


def test_an_offered_instrument_nobody_answered_is_listed_and_withheld(team):
    team_instrument_offer(team=team, instrument="SWEMWBS", schedule="quarterly")
    team_answering(team, "ONS4", [{"1": v, "2": 7, "3": 7, "4": 2} for v in (3, 5, 6, 8, 9)])
    summaries_rebuild_all()

    figures = TeamSummary.objects.get(team=team, period="2026Q1").figures

    assert set(figures["instruments"]) == {"ONS4", "SWEMWBS"}
    assert figures["instruments"]["SWEMWBS"]["n"] is None
    assert figures["suppressed_reasons"]["instruments.SWEMWBS.n"] == FEWER_THAN_5
    ons4 = figures["instruments"]["ONS4"]
    assert (ons4["n"], ons4["main_score"], ons4["median"]) == (5, "life_satisfaction", 6.0)
    assert (ons4["q1"], ons4["q3"]) == (5.0, 8.0)
    assert "share_positive" not in ons4


def test_a_partly_answered_screen_counts_in_n_but_not_in_the_median(team):
    team_answering(team, "PHQ2", [phq2(1)] * 5 + [{"1": 1, "2": None}])
    summaries_rebuild_all()

    figures = TeamSummary.objects.get(team=team, period="2026Q1").figures["instruments"]["PHQ2"]

    assert figures["n"] == 6
    assert figures["median"] == 1.0
    assert figures["share_positive"] == 0.0


def test_rows_without_instruments_give_no_instrument_figures():
    row = SummaryRow(
        index=50.0,
        coverage=1.0,
        domain_scores={},
        direction="",
        own_priorities=False,
        goal_attainment=None,
        markers_with_reading=0,
        markers_in_target=0,
        patient_initiated=0,
        attribution_caveat=False,
    )
    rows = [row] * 6

    figures = group_summary_figures(rows, [], kinds=[])

    assert figures["instruments"] == {}
    assert not [k for k in figures["suppressed_reasons"] if k.startswith("instruments")]


# --- The two paths agree -----------------------------------------------------------------------


def test_a_team_computed_alone_stores_the_instruments_the_rebuild_stores(team):
    team_instrument_offer(team=team, instrument="COLLABORATE", schedule="before_appointment")
    team_answering(team, "PHQ2", [phq2(t) for t in (0, 1, 3, 5, 6, 2)])
    team_answering(team, "COLLABORATE", [{"1": 9, "2": 9, "3": v} for v in (9, 9, 8, 9, 9, 9)])
    team_answering(team, "COLLABORATE", [{"1": 9, "2": 7, "3": 8}] * 4)
    for person in PatientFactory.create_batch(2, teams=[team]):
        answer(person, "PHQ2", phq2(4), on=Q2)
    summaries_rebuild_all()
    rebuilt = {s.period: s.figures for s in TeamSummary.objects.filter(team=team)}

    for period in rebuilt:
        team_summary_compute(team_id=team.pk, period=period)

    assert {s.period: s.figures for s in TeamSummary.objects.filter(team=team)} == rebuilt
    assert rebuilt["2026Q1"]["instruments"]["COLLABORATE"] == {
        "n": 10, "main_score": "mean", "median": pytest.approx((26 / 3 + 9) / 2), "q1": 8.0,
        "q3": 9.0, "top_score_share": 0.5, "indicative": True,
    }  # fmt: skip
    assert rebuilt["2026Q1"]["instruments"]["PHQ2"]["n"] == 6
    assert rebuilt["2026Q2"]["instruments"]["PHQ2"]["n"] is None


def test_the_rebuild_and_a_patients_refresh_store_the_same_instruments(team):
    people = team_answering(team, "PHQ2", [phq2(3)] * 60)
    for person in people[:30]:
        answer(person, "GAD2", phq2(5), on=Q1_LATE)
    summaries_rebuild_all()  # 60 patients: through COPY on PostgreSQL
    rebuilt = dict(PatientSummary.objects.values_list("patient_id", "instruments"))

    PatientSummary.objects.update(instruments={})
    for person in people:
        patient_summaries_compute(lo=person.pk, hi=person.pk)

    assert dict(PatientSummary.objects.values_list("patient_id", "instruments")) == rebuilt
    assert rebuilt[people[0].pk] == {
        "PHQ2": {"score": 3, "positive": True},
        "GAD2": {"score": 5, "positive": True},
    }
    assert rebuilt[people[-1].pk] == {"PHQ2": {"score": 3, "positive": True}}
