"""The stored fair comparison: rows from stored summaries, every team fitted at once, one run."""

import datetime as dt
import re
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import tasks
from indicators.comparison import NOT_RECORDED, NOT_SHOWN, Fit, case_mix_fit, funnel_build
from indicators.comparison import team_observed_expected as observed_expected
from indicators.comparisons import (
    FIGURES,
    age_band_of,
    comparison_periods,
    comparison_rows,
    comparison_run_compute,
    stage_band_of,
)
from indicators.models import ComparisonRun, PatientSummary, TeamComparison
from patients.models import Condition
from tests.support.comparisons import PERIOD, comparison_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def installation():
    return comparison_installation()


def test_age_and_stage_bands():
    assert age_band_of(1940, PERIOD) == "75+"
    assert age_band_of(1960, PERIOD) == "65-74"
    assert age_band_of(1961, PERIOD) == "45-64"
    assert age_band_of(1990, PERIOD) == "18-44"
    assert age_band_of(2010, PERIOD) == "under 18"
    assert stage_band_of(Decimal(1), Decimal(1), Decimal(5)) == "early"
    assert stage_band_of(Decimal(3), Decimal(1), Decimal(5)) == "middle"
    assert stage_band_of(Decimal(5), Decimal(1), Decimal(5)) == "advanced"
    assert stage_band_of(Decimal(2), None, None) is None


def test_rows_are_one_per_membership_with_baseline_and_case_mix(installation):
    rows, _ = comparison_rows(PERIOD)

    assert len(rows) == 15 + 2 + 10 + 3  # the shared patient twice; no baseline, no row
    alder, birch = installation["alder"].pk, installation["birch"].pk
    shared = [row for row in rows if row.baseline_index == 55.0]
    assert sorted(row.team_id for row in shared) == sorted([alder, birch])
    summary = PatientSummary.objects.get(patient=installation["shared"], period=PERIOD)
    row = shared[0]
    assert row.conditions == Condition.objects.filter(patient=installation["shared"]).count()
    assert row.conditions >= 2
    assert row.stage == "early"  # Hoehn and Yahr 2 on 1 to 5
    assert row.age_band == age_band_of(installation["shared"].birth_year, PERIOD)
    assert row.context_event == summary.attribution_caveat
    assert row.own_priorities == (summary.weights_source == "patient")
    assert row.outcomes["mean_change"] == summary.change
    assert row.outcomes["improved_share"] == float(summary.direction == "improved")
    assert row.outcomes["patient_initiated_share"] == float(summary.patient_initiated > 0)
    assert {r.stage for r in rows} == {None, "early", "middle", "advanced"}


def test_stored_figures_equal_the_statistics_on_the_same_rows(installation):
    run = comparison_run_compute(PERIOD)

    rows, _ = comparison_rows(PERIOD)
    assert run.patients == 29
    for figure, kind in FIGURES.items():
        fit = case_mix_fit(rows, figure, kind)
        values = [r.outcomes[figure] for r in rows if r.outcomes[figure] is not None]
        target = sum(values) / len(values)
        funnel = funnel_build(observed_expected(rows, fit), fit, target)
        stored = run.figures[figure]
        assert stored["fit"]["coefficients"] == pytest.approx(fit.coefficients, abs=1e-12)
        assert stored["target"] == pytest.approx(target, abs=1e-12)
        assert stored["phi"] == pytest.approx(funnel.overdispersion.phi, abs=1e-12)
        assert stored["tau2"] == pytest.approx(funnel.overdispersion.tau2, abs=1e-12)
        assert stored["method"] == funnel.method
        assert (stored["sigma"] is None) == (kind != "mean")
        assert len(funnel.points) == 2
        for point in funnel.points:
            team = TeamComparison.objects.get(run=run, team_id=point.team_id, figure=figure)
            assert team.shown
            assert team.n == point.n
            assert team.observed == pytest.approx(point.observed, abs=1e-12)
            assert team.expected == pytest.approx(point.expected, abs=1e-12)
            assert team.adjusted == pytest.approx(point.adjusted, abs=1e-12)
            assert team.lower_95 == pytest.approx(point.limits.lower_95, abs=1e-12)
            assert team.upper_998 == pytest.approx(point.limits.upper_998, abs=1e-12)
            assert team.position == point.position
            assert team.few_patients is (point.n < 20)
    alder = TeamComparison.objects.get(run=run, team=installation["alder"], figure="mean_change")
    assert alder.n == 16
    summaries = PatientSummary.objects.filter(patient__teams=installation["alder"], period=PERIOD)
    caveat = sum(s.attribution_caveat for s in summaries) / 16
    assert alder.context_share == pytest.approx(caveat)
    assert alder.coverage_median == pytest.approx(float(np.median([s.coverage for s in summaries])))


def test_a_refit_from_the_stored_coefficients_reproduces_every_expected_figure(installation):
    run = comparison_run_compute(PERIOD)

    rows, _ = comparison_rows(PERIOD)
    for figure in FIGURES:
        fit = Fit.from_dict(ComparisonRun.objects.get(pk=run.pk).figures[figure]["fit"])
        assert NOT_RECORDED in fit.levels["stage"]
        for team in TeamComparison.objects.filter(run=run, figure=figure, shown=True):
            members = [
                r for r in rows if r.team_id == team.team_id and r.outcomes[figure] is not None
            ]
            assert sum(fit.predict(members)) / len(members) == pytest.approx(
                team.expected, abs=1e-12
            )


def test_teams_under_the_small_number_rule_are_stored_as_not_shown(installation):
    run = comparison_run_compute(PERIOD)

    cedar = TeamComparison.objects.filter(run=run, team=installation["cedar"])
    assert sorted(c.figure for c in cedar) == sorted(FIGURES)
    for row in cedar:
        assert not row.shown
        assert row.position == NOT_SHOWN
        assert [row.n, row.observed, row.expected, row.adjusted, row.lower_95] == [None] * 5
        assert row.context_share is None
    assert all(run.figures[f]["k"] == 2 for f in FIGURES)  # Cedar takes no part


def test_a_new_run_replaces_the_quarters_earlier_one(installation):
    first = comparison_run_compute(PERIOD)
    summary = PatientSummary.objects.filter(
        patient__teams=installation["birch"], period=PERIOD, change__isnull=False
    ).first()
    summary.change += 20.0
    summary.save()

    second = comparison_run_compute(PERIOD)

    assert list(ComparisonRun.objects.values_list("pk", flat=True)) == [second.pk]
    assert not TeamComparison.objects.filter(run_id=first.pk).exists()
    assert TeamComparison.objects.filter(run=second).count() == 3 * len(FIGURES)
    birch = TeamComparison.objects.get(run=second, team=installation["birch"], figure="mean_change")
    assert birch.observed == pytest.approx(
        np.mean(
            [
                s.change
                for s in PatientSummary.objects.filter(
                    patient__teams=installation["birch"], period=PERIOD, change__isnull=False
                )
            ]
        )
    )


def test_a_figure_that_cannot_be_fitted_says_why_and_stores_no_team():
    run = comparison_run_compute(PERIOD)

    assert run.patients == 0
    assert run.figures["mean_change"]["fit"] is None
    assert "too few" in run.figures["mean_change"]["reason"]
    assert not TeamComparison.objects.exists()


def test_the_nightly_task_compares_the_last_two_complete_quarters(installation):
    assert comparison_periods(dt.date(2026, 1, 15)) == ["2025Q3", "2025Q4"]
    assert comparison_periods(dt.date(2026, 3, 31)) == ["2025Q3", "2025Q4"]
    assert comparison_periods(dt.date(2026, 4, 1)) == ["2025Q4", "2026Q1"]

    assert tasks.compare_teams.delay(periods=[PERIOD]).get() == [PERIOD]

    assert ComparisonRun.objects.get(period=PERIOD).teams.count() == 3 * len(FIGURES)
    schedule = settings.CELERY_BEAT_SCHEDULE["teams-nightly-comparison"]
    assert schedule["task"] == "indicators.tasks.compare_teams"
    assert schedule["schedule"].hour == {4}
    assert settings.CELERY_TASK_ROUTES["indicators.tasks.compare_teams"] == {
        "queue": settings.REBUILD_QUEUE
    }


def test_reading_the_rows_names_no_patient_one_by_one(installation):
    """The rows are read with subqueries, not a list of every patient's id as parameters (which
    SQLite refuses beyond 32,766, and which grows with the installation on PostgreSQL)."""
    with CaptureQueriesContext(connection) as queries:
        rows, _caveats = comparison_rows(PERIOD)
    assert len(rows) == 30
    id_lists = [
        len(listed.split(","))
        for query in queries.captured_queries
        for listed in re.findall(r"IN \(([\d, ]+)\)", query["sql"])
    ]
    assert id_lists == []
