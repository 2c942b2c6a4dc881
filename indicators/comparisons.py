"""The stored fair comparison of teams: patient rows from stored summaries, the case-mix fits of
``indicators.comparison`` over every team of the installation, and one run per quarter.

``comparison_run_compute(period)`` reads the quarter's and the previous quarter's stored patient
summaries, builds one row per (patient, team) membership, fits each figure's model over all rows,
and stores the run (replacing the quarter's earlier one) with a ``TeamComparison`` per team and
figure. Only patients with an index in the previous quarter (the baseline) take part. Teams under
the small-number rule are stored as not shown. docs/comparison-statistics.md gives the method.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from patients.models import Condition, Membership, Patient, Team, User
from patients.selectors import teams_for_user

from .comparison import (
    MEAN,
    NOT_SHOWN,
    PROPORTION,
    Fit,
    Kind,
    PatientRow,
    case_mix_fit,
    funnel_build,
    team_observed_expected,
)
from .models import ComparisonRun, PatientSummary, TeamComparison
from .scoring import parse_period, period_of, previous_period

__all__ = [
    "FEW_PATIENTS",
    "FIGURES",
    "age_band_of",
    "comparison_for_user",
    "comparison_periods",
    "comparison_rows",
    "comparison_run_compute",
    "comparison_teams_for_user",
    "stage_band_of",
]

# Each figure: its kind of model and the outcome's name on a row.
FIGURES: dict[str, Kind] = {
    TeamComparison.Figure.MEAN_CHANGE: MEAN,
    TeamComparison.Figure.IMPROVED_SHARE: PROPORTION,
    TeamComparison.Figure.PATIENT_INITIATED_SHARE: PROPORTION,
}

# Below this many patients in a figure a team's limits are wide: said beside its figure.
FEW_PATIENTS = 20

# Age bands, by age at the end of the quarter's year: (youngest age, band).
AGE_BANDS = ((75, "75+"), (65, "65-74"), (45, "45-64"), (18, "18-44"), (0, "under 18"))

# A recorded stage's place on its condition's scale, in thirds: the patient's most advanced.
STAGE_BANDS = ("early", "middle", "advanced")


def age_band_of(birth_year: int, period: str) -> str:
    """The age band of someone born in ``birth_year`` at the end of ``period``'s year."""
    age = int(period[:4]) - birth_year
    return next(band for youngest, band in AGE_BANDS if age >= youngest)


def stage_band_of(stage: Decimal, lowest: Decimal | None, highest: Decimal | None) -> str | None:
    """Where a stage lies on its condition's scale: early, middle or advanced (None: no scale)."""
    if lowest is None or highest is None or highest <= lowest:
        return None
    place = float((stage - lowest) / (highest - lowest))
    return STAGE_BANDS[min(2, max(0, int(place * 3)))]


@dataclass(frozen=True)
class _Caveats:
    """What a team's patients bring beside the figures: context events and rating coverage."""

    context_event: bool
    coverage: float


def comparison_rows(period: str) -> tuple[list[PatientRow], dict[tuple[Any, int], _Caveats]]:
    """The quarter's patient rows, one per (patient, team) membership, and each one's caveats.

    A patient takes part with a stored summary in ``period`` and an index in the quarter before
    (the baseline). Outcomes: ``mean_change`` the change in the index, ``improved_share`` 1 when
    the direction is improved (none without a change), ``patient_initiated_share`` 1 with at
    least one patient-initiated contact.
    """
    period = parse_period(period)
    # Subqueries, never a list of every patient's id as parameters: the installation may hold
    # millions (and SQLite refuses more than 32,766).
    with_baseline = PatientSummary.objects.filter(
        period=previous_period(period), index__isnull=False
    )
    baselines: dict[int, float] = {
        patient_id: float(index)
        for patient_id, index in with_baseline.values_list("patient_id", "index")
        if index is not None
    }
    taking_part = PatientSummary.objects.filter(
        period=period, patient_id__in=with_baseline.values("patient_id")
    )
    summaries = list(
        taking_part.values(
            "patient_id",
            "change",
            "direction",
            "patient_initiated",
            "attribution_caveat",
            "weights_source",
            "coverage",
        )
    )
    ids = taking_part.values("patient_id")
    birth_years = dict(Patient.objects.filter(id__in=ids).values_list("id", "birth_year"))
    teams: dict[int, list[int]] = defaultdict(list)
    for patient_id, team_id in Patient.teams.through.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "team_id"
    ):
        teams[patient_id].append(team_id)
    conditions: dict[int, int] = defaultdict(int)
    stages: dict[int, int] = {}
    for patient_id, stage, lowest, highest in Condition.objects.filter(
        patient_id__in=ids
    ).values_list("patient_id", "stage", "code__stage_min", "code__stage_max"):
        conditions[patient_id] += 1
        band = stage_band_of(stage, lowest, highest) if stage is not None else None
        if band is not None:
            stages[patient_id] = max(stages.get(patient_id, 0), STAGE_BANDS.index(band))
    rows: list[PatientRow] = []
    caveats: dict[tuple[Any, int], _Caveats] = {}
    for summary in sorted(summaries, key=lambda s: s["patient_id"]):
        patient_id = summary["patient_id"]
        change = summary["change"]
        outcomes = {
            TeamComparison.Figure.MEAN_CHANGE: change,
            TeamComparison.Figure.IMPROVED_SHARE: (
                None if change is None else float(summary["direction"] == "improved")
            ),
            TeamComparison.Figure.PATIENT_INITIATED_SHARE: float(summary["patient_initiated"] > 0),
        }
        for team_id in sorted(teams[patient_id]):
            rows.append(
                PatientRow(
                    team_id=team_id,
                    baseline_index=baselines[patient_id],
                    age_band=age_band_of(birth_years[patient_id], period),
                    conditions=conditions[patient_id],
                    stage=STAGE_BANDS[stages[patient_id]] if patient_id in stages else None,
                    context_event=summary["attribution_caveat"],
                    own_priorities=summary["weights_source"] == "patient",
                    outcomes={str(name): value for name, value in outcomes.items()},
                )
            )
            caveats[(team_id, patient_id)] = _Caveats(
                summary["attribution_caveat"], summary["coverage"]
            )
    return rows, caveats


def _team_caveats(
    caveats: dict[tuple[Any, int], _Caveats],
) -> dict[Any, tuple[float, float]]:
    """Each team's share of patients with a context event and median coverage."""
    by_team: dict[Any, list[_Caveats]] = defaultdict(list)
    for (team_id, _patient_id), caveat in caveats.items():
        by_team[team_id].append(caveat)
    return {
        team_id: (
            sum(c.context_event for c in members) / len(members),
            statistics.median(c.coverage for c in members),
        )
        for team_id, members in by_team.items()
    }


def _figure_target(rows: list[PatientRow], outcome: str) -> float:
    """θ₀ or p₀: the installation's overall figure over every row with the outcome."""
    values = [row.outcomes[outcome] for row in rows if row.outcomes.get(outcome) is not None]
    return statistics.fmean(float(v) for v in values if v is not None)


def comparison_run_compute(period: str) -> ComparisonRun:
    """Fit, compare and store one quarter's run over every team, replacing any earlier run."""
    period = parse_period(period)
    rows, caveats = comparison_rows(period)
    team_caveats = _team_caveats(caveats)
    figures: dict[str, dict[str, Any]] = {}
    teams: list[TeamComparison] = []
    for figure, kind in FIGURES.items():
        try:
            fit = case_mix_fit(rows, figure, kind)
        except ValueError as problem:
            figures[figure] = {"kind": kind, "fit": None, "reason": str(problem)}
            continue
        target = _figure_target(rows, figure)
        observed = team_observed_expected(rows, fit)
        funnel = funnel_build(observed, fit, target)
        spread = funnel.overdispersion
        figures[figure] = {
            "kind": kind,
            "fit": fit.to_dict(),
            "target": target,
            "sigma": fit.sigma if kind == MEAN else None,
            "phi": spread.phi,
            # With fewer than two teams there is no test of spread: no threshold (JSON has no
            # infinity).
            "threshold": spread.threshold if math.isfinite(spread.threshold) else None,
            "overdispersed": spread.overdispersed,
            "tau2": spread.tau2,
            "k": spread.k,
            "method": funnel.method,
        }
        for point in funnel.points:
            context_share, coverage_median = team_caveats[point.team_id]
            teams.append(
                TeamComparison(
                    team_id=point.team_id,
                    figure=figure,
                    shown=True,
                    n=point.n,
                    observed=point.observed,
                    expected=point.expected,
                    adjusted=point.adjusted,
                    lower_95=point.limits.lower_95,
                    upper_95=point.limits.upper_95,
                    lower_998=point.limits.lower_998,
                    upper_998=point.limits.upper_998,
                    position=point.position,
                    context_share=context_share,
                    coverage_median=coverage_median,
                    few_patients=point.n < FEW_PATIENTS,
                )
            )
        for team_id in funnel.not_shown:
            teams.append(
                TeamComparison(
                    team_id=team_id,
                    figure=figure,
                    shown=False,
                    position=NOT_SHOWN,
                    few_patients=True,
                )
            )
    with transaction.atomic():
        ComparisonRun.objects.filter(period=period).delete()
        run = ComparisonRun.objects.create(
            period=period,
            computed_at=timezone.now(),
            patients=len({key[1] for key in caveats}),
            figures=figures,
        )
        for team in teams:
            team.run = run
        TeamComparison.objects.bulk_create(teams)
    return run


def comparison_periods(today: date) -> list[str]:
    """The last two complete quarters before ``today``'s, oldest first."""
    last = previous_period(period_of(today))
    return [previous_period(last), last]


# --- Reading a stored run: the caller's teams only ---------------------------------------------

COMPARISON_READERS = (Membership.Role.MANAGER, Membership.Role.NETWORK_LEAD)


def comparison_teams_for_user(*, user: User) -> QuerySet[Team]:
    """Teams whose comparison the user may read: where they are a manager or a network lead."""
    if not user.is_authenticated:
        return Team.objects.none()
    return teams_for_user(user=user, roles=COMPARISON_READERS)


def _limits_data(row: TeamComparison) -> dict[str, float | None]:
    return {
        "lower_95": row.lower_95,
        "upper_95": row.upper_95,
        "lower_998": row.lower_998,
        "upper_998": row.upper_998,
    }


def _method_data(stored: dict[str, Any]) -> dict[str, Any]:
    """A figure's method as the API and the CSV give it: the stored English sentence and model
    in words, and the same in fields a program can read (runs stored before a field existed
    give it from the stored fit)."""
    data = stored.get("fit")
    if data is None:
        return {"kind": stored["kind"], "fitted": False, "reason": stored.get("reason", "")}
    fit = Fit.from_dict(data)
    exact = fit.kind == PROPORTION and not fit.adjusted and not stored["tau2"]
    return {
        "kind": stored["kind"],
        "fitted": True,
        "target": stored["target"],
        "sigma": stored["sigma"],
        "phi": stored["phi"],
        "tau2": stored["tau2"],
        "overdispersed": stored["overdispersed"],
        "overdispersion": "random_effects" if stored["overdispersed"] else "none",
        "limits_method": "exact_binomial" if exact else "normal",
        "teams_shown": stored["k"],
        "sentence": stored["method"],
        "model": data["words"],
        "case_mix_adjusted": fit.adjusted,
        "no_adjustment_reason": fit.reason or None,
        "factors": list(fit.factors),
        "dropped_factors": list(fit.dropped_factors),
        "dropped": dict(fit.dropped),
        "patients": fit.n,
        "coefficients": data["coefficients"],
        "standard_errors": data["standard_errors"],
        "statistics": data["statistics"],
    }


def comparison_for_user(*, user: User, period: str) -> dict[str, Any]:
    """The stored comparison of ``period`` for the user's teams, alphabetically by team name.

    ``ValueError`` for a malformed period; 404 when no run is stored for it.
    """
    period = parse_period(period)
    run = ComparisonRun.objects.filter(period=period).first()
    if run is None:
        raise Http404("No comparison for that period")
    teams = sorted(comparison_teams_for_user(user=user), key=lambda t: (t.name.casefold(), t.pk))
    rows: dict[int, dict[str, TeamComparison]] = defaultdict(dict)
    for stored in TeamComparison.objects.filter(run=run, team__in=teams):
        rows[stored.team_id][stored.figure] = stored
    listed = []
    for team in teams:
        figures = {}
        for figure in FIGURES:
            row = rows[team.pk].get(figure)
            if row is None:
                continue
            figures[figure] = {
                "shown": row.shown,
                "n": row.n,
                "observed": row.observed,
                "expected": row.expected,
                "adjusted": row.adjusted,
                "limits": _limits_data(row),
                "position": row.position,
                "caveats": {
                    "context_share": row.context_share,
                    "coverage_median": row.coverage_median,
                    "few_patients": row.few_patients,
                },
            }
        listed.append({"team": team.pk, "name": team.name, "figures": figures})
    return {
        "period": run.period,
        "computed_at": run.computed_at,
        "method": {figure: _method_data(run.figures[figure]) for figure in FIGURES},
        "teams": listed,
    }
