"""The statistics of fair team comparison (indicators/comparison/): pure, no database.

Hand-worked limits and adjusted figures, the exact binomial limits against scipy, a regression
recovering known coefficients, the overdispersion estimate on a constructed example, and a
simulation: teams drawn from one distribution, with different case mixes, stay inside the limits
at the rate the limits promise once adjusted, and not without adjustment. Fixed seeds throughout.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from indicators.comparison import (
    ABOVE_95,
    ABOVE_998,
    BELOW_95,
    BELOW_998,
    LEVEL_95,
    LEVEL_998,
    MEAN,
    NOT_RECORDED,
    NOT_SHOWN,
    PROPORTION,
    WITHIN,
    Fit,
    Limits,
    PatientRow,
    adjusted_mean,
    adjusted_proportion,
    case_mix_fit,
    funnel_build,
    funnel_limits_mean,
    funnel_limits_proportion,
    overdispersion,
    team_observed_expected,
    team_position,
    z_for_level,
)

Z95 = 1.959963984540054  # Φ⁻¹(0.975)
Z998 = 3.090232306167813  # Φ⁻¹(0.999)

# --- Hand-worked figures -----------------------------------------------------------------------


def test_z_for_level_is_the_two_sided_normal_point():
    assert z_for_level(LEVEL_95) == pytest.approx(Z95, abs=1e-12)
    assert z_for_level(LEVEL_998) == pytest.approx(Z998, abs=1e-12)


def test_adjusted_figures_by_hand():
    # θ₀ = 2.0, O = 3.5, E = 3.0: the team did 0.5 better than its case mix predicts → 2.5.
    assert adjusted_mean(2.0, 3.5, 3.0) == pytest.approx(2.5, abs=1e-9)
    # A harder case mix: O = 1.0 but E = 1.8 → 0.8 below expectation → 2.0 − 0.8 = 1.2.
    assert adjusted_mean(2.0, 1.0, 1.8) == pytest.approx(1.2, abs=1e-9)
    # p₀ = 0.4, O = 0.30, E = 0.25: 20 % more than expected → 0.4 · 1.2 = 0.48.
    assert adjusted_proportion(0.4, 0.30, 0.25) == pytest.approx(0.48, abs=1e-9)
    # Counts give the same ratio: 6 observed of 20 against 5 expected.
    assert adjusted_proportion(0.4, 6, 5) == pytest.approx(0.48, abs=1e-9)
    assert adjusted_proportion(0.4, 0, 0) == 0.4
    with pytest.raises(ValueError, match="expected figure above 0"):
        adjusted_proportion(0.4, 0.1, 0)


def test_mean_limits_by_hand():
    # θ₀ = 1, σ = 2, n = 16: σ/√n = 0.5; 95 %: 1 ± 1.959963984540054 · 0.5 = 1 ± 0.979981992270027.
    lower, upper = funnel_limits_mean(1.0, 2.0, 16, Z95)
    assert lower == pytest.approx(0.020018007729973, abs=1e-9)
    assert upper == pytest.approx(1.979981992270027, abs=1e-9)
    # 99.8 %: 1 ± 3.090232306167813 · 0.5 = 1 ± 1.5451161530839065.
    lower, upper = funnel_limits_mean(1.0, 2.0, 16, Z998)
    assert lower == pytest.approx(-0.5451161530839065, abs=1e-9)
    assert upper == pytest.approx(2.5451161530839065, abs=1e-9)
    # Widened by τ² = 0.75: √(0.25 + 0.75) = 1, so 1 ± 1.959963984540054.
    lower, upper = funnel_limits_mean(1.0, 2.0, 16, Z95, tau2=0.75)
    assert lower == pytest.approx(1 - Z95, abs=1e-9)
    assert upper == pytest.approx(1 + Z95, abs=1e-9)


def test_adjusted_proportion_limits_by_hand():
    # p₀ = 0.5, E = Σπᵢ = 20, V = Σπᵢ(1 − πᵢ) = 8: √V / E = 2.8284271247461903 / 20
    # = 0.14142135623730950; 99.8 %: z · that = 3.090232306167813 · 0.1414213562373095
    # = 0.4370248438266008; limits 0.5 · (1 ± 0.4370248438266008) = 0.2814875780866996 and
    # 0.7185124219133004.
    lower, upper = funnel_limits_proportion(
        0.5, 40, LEVEL_998, expected_total=20, variance=8, exact=False
    )
    assert lower == pytest.approx(0.2814875780866996, abs=1e-9)
    assert upper == pytest.approx(0.7185124219133004, abs=1e-9)
    # Widened: s = 0.5 · 0.1414213562373095 = 0.07071067811865475, s² = 0.005; τ² = 0.02 gives
    # √0.025 = 0.15811388300841897; 95 %: 0.5 ± 1.959963984540054 · 0.158113883…
    # = 0.5 ± 0.3098975161522808.
    lower, upper = funnel_limits_proportion(
        0.5, 40, LEVEL_95, expected_total=20, variance=8, exact=False, tau2=0.02
    )
    half = Z95 * math.sqrt(0.025)
    assert half == pytest.approx(0.3098975161522808, abs=1e-9)
    assert (lower, upper) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    # Unadjusted normal approximation: E = n·p₀, V = n·p₀(1 − p₀): p₀ ± z·√(p₀(1 − p₀)/n).
    lower, upper = funnel_limits_proportion(0.2, 100, LEVEL_95, exact=False)
    assert lower == pytest.approx(0.2 - Z95 * 0.04, abs=1e-9)
    assert upper == pytest.approx(0.2 + Z95 * 0.04, abs=1e-9)


def test_exact_binomial_limit_by_hand():
    # n = 10, p₀ = 0.5, upper 95 % point 0.975: P(R ≤ 7) = 968/1024, P(R ≤ 8) = 1013/1024, so r = 8;
    # α = (1013/1024 − 0.975) / (45/1024) = (1013 − 998.4) / 45 = 14.6 / 45;
    # limit = (8 − 14.6/45) / 10 = 0.767555…. Lower point 0.025: P(R ≤ 1) = 11/1024,
    # P(R ≤ 2) = 56/1024, so r = 2; α = (56 − 25.6) / 45 = 30.4 / 45; limit = (2 − 30.4/45) / 10
    # = 0.132444…. (The interpolation is not symmetric about p₀ = 0.5: it places each count's
    # step of the distribution function just below the count.)
    lower, upper = funnel_limits_proportion(0.5, 10, LEVEL_95)
    assert upper == pytest.approx((8 - 14.6 / 45) / 10, abs=1e-9)
    assert lower == pytest.approx((2 - 30.4 / 45) / 10, abs=1e-9)
    assert upper == pytest.approx(0.7675555555555556, abs=1e-9)
    assert lower == pytest.approx(0.1324444444444444, abs=1e-9)


@pytest.mark.parametrize(("p0", "n"), [(0.1, 7), (0.3, 25), (0.62, 80), (0.9, 200), (0.05, 1000)])
def test_exact_binomial_limits_against_scipy(p0, n):
    for level in (LEVEL_95, LEVEL_998):
        lower, upper = funnel_limits_proportion(p0, n, level)
        for probability, limit in (((1 - level) / 2, lower), ((1 + level) / 2, upper)):
            r = stats.binom.ppf(probability, n, p0)
            at, below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
            assert below < probability <= at  # r is the quantile scipy names
            interpolated = (r - (at - probability) / (at - below)) / n
            assert limit == pytest.approx(max(0.0, interpolated), abs=1e-12)  # never below 0
            # The limit lies between the count at the quantile and the one below it.
            assert max(0.0, (r - 1) / n) <= limit <= r / n
        # Each tail's chance stays within one count's probability of the nominal tail.
        counts = np.arange(n + 1)
        below_chance = stats.binom.pmf(counts[counts / n < lower], n, p0).sum()
        above_chance = stats.binom.pmf(counts[counts / n > upper], n, p0).sum()
        largest_step = stats.binom.pmf(counts, n, p0).max()
        assert abs(below_chance - (1 - level) / 2) <= largest_step
        assert abs(above_chance - (1 - level) / 2) <= largest_step


def test_team_position_in_words():
    limits = Limits(lower_95=-1.0, upper_95=1.0, lower_998=-2.0, upper_998=2.0)
    assert team_position(0.0, limits) == WITHIN
    assert team_position(1.0, limits) == WITHIN  # on the limit is inside
    assert team_position(1.5, limits) == ABOVE_95
    assert team_position(-1.5, limits) == BELOW_95
    assert team_position(2.01, limits) == ABOVE_998
    assert team_position(-2.01, limits) == BELOW_998
    assert BELOW_998 == "below the 99.8 % limit"
    assert WITHIN == "within the expected range"


# --- Overdispersion ----------------------------------------------------------------------------


def test_overdispersion_on_a_constructed_example():
    # k = 10, winsorising 10 %: one value pulled in at each end. Sorted z: −3, −1, −0.5, 0, 0.5, 1,
    # 1.5, 2, 2.5, 6 → −3 becomes −1 and 6 becomes 2.5. Squares: 1, 1, .25, 0, .25, 1, 2.25, 4,
    # 6.25, 6.25 = 22.25; φ = 2.225, kφ = 22.25 > χ²₉(0.95) = 16.919 → overdispersed.
    # sᵢ = 0.5 for all: wᵢ = 4, Σw = 40, Σw²/Σw = 160/40 = 4; τ² = (22.25 − 9) / 36 = 0.368055….
    z = [0.5, -3, 1, 2, -0.5, 6, 0, 1.5, 2.5, -1]
    result = overdispersion(z, [0.5] * 10)
    assert result.z_winsorised == (0.5, -1, 1, 2, -0.5, 2.5, 0, 1.5, 2.5, -1)
    assert result.phi == pytest.approx(2.225, abs=1e-9)
    assert result.threshold == pytest.approx(stats.chi2.ppf(0.95, 9), abs=1e-12)
    assert result.threshold == pytest.approx(16.918977604620448, abs=1e-9)
    assert result.overdispersed
    assert result.tau2 == pytest.approx(13.25 / 36, abs=1e-9)
    assert result.words.startswith("Limits widened for overdispersion (random effects, τ² = 0.3681")
    # The winsorising agrees with scipy's.
    expected = stats.mstats.winsorize(np.array(z, float), limits=(0.1, 0.1))
    assert np.allclose(result.z_winsorised, expected)


def test_no_overdispersion_leaves_the_limits_alone():
    # φ = (0.25 + 1 + 0 + 1 + 0.25 + 0.64) / 6 = 0.52333…, far below χ²₅(0.95) / 6.
    result = overdispersion([0.5, -1, 0, 1, -0.5, 0.8], [1, 2, 1, 2, 1, 2], winsor=0.1)
    assert result.phi == pytest.approx(3.14 / 6, abs=1e-9)
    assert not result.overdispersed
    assert result.tau2 == 0.0
    assert result.words.startswith("Limits assume only chance variation between teams")


# --- The case-mix model ------------------------------------------------------------------------

AGE_BANDS = ("18-44", "45-64", "65-74", "75+")
STAGES = ("early", "middle", "late")
# The one truth every team is drawn from: change in index, and log-odds of improving.
TRUE_MEAN = {
    "intercept": 6.0,
    "baseline_index": -0.1,
    "age_band[45-64]": -0.5,
    "age_band[65-74]": -1.0,
    "age_band[75+]": -2.0,
    "conditions": -0.8,
    "stage[late]": -1.5,
    "stage[middle]": -0.7,
    "stage[not recorded]": -0.3,
    "context_event": -2.5,
    "own_priorities": 1.0,
}
TRUE_LOGIT = {
    "intercept": 2.0,
    "baseline_index": -0.04,
    "age_band[45-64]": -0.2,
    "age_band[65-74]": -0.4,
    "age_band[75+]": -0.7,
    "conditions": -0.3,
    "stage[late]": -0.6,
    "stage[middle]": -0.3,
    "stage[not recorded]": -0.1,
    "context_event": -0.8,
    "own_priorities": 0.5,
}
SIGMA = 4.0


def _linear(row: PatientRow, beta: dict[str, float]) -> float:
    """The true linear predictor of a simulated patient."""
    total = beta["intercept"] + beta["baseline_index"] * row.baseline_index
    total += beta["conditions"] * row.conditions
    total += beta.get(f"age_band[{row.age_band}]", 0.0)
    total += beta.get(f"stage[{row.stage or NOT_RECORDED}]", 0.0)
    total += beta["context_event"] * row.context_event + beta["own_priorities"] * row.own_priorities
    return total


def _patients(rng: np.random.Generator, team_id: int, n: int, hardness: float) -> list[PatientRow]:
    """n patients of one team; ``hardness`` from 0 to 1 shifts its case mix towards worse odds.

    Every outcome comes from the same model (``TRUE_MEAN``, ``TRUE_LOGIT``): teams differ only in
    whom they care for.
    """
    baseline = rng.normal(40 + 30 * hardness, 10, n)
    older = 0.2 + 0.6 * hardness
    ages = rng.choice(AGE_BANDS, n, p=[(1 - older) / 2, (1 - older) / 2, older / 2, older / 2])
    conditions = rng.poisson(1 + 2 * hardness, n) + 1
    stage_p = [0.3 * (1 - hardness), 0.3, 0.1 + 0.3 * hardness]
    stages = rng.choice([*STAGES, "none"], n, p=[*stage_p, 1 - sum(stage_p)])
    context = rng.random(n) < 0.1 + 0.3 * hardness
    own = rng.random(n) < 0.7 - 0.3 * hardness
    noise = rng.normal(0, SIGMA, n)
    uniform = rng.random(n)
    rows = []
    for i in range(n):
        row = PatientRow(
            team_id=team_id,
            baseline_index=float(baseline[i]),
            age_band=str(ages[i]),
            conditions=int(conditions[i]),
            stage=None if stages[i] == "none" else str(stages[i]),
            context_event=bool(context[i]),
            own_priorities=bool(own[i]),
        )
        change = _linear(row, TRUE_MEAN) + noise[i]
        improved = float(uniform[i] < 1 / (1 + math.exp(-_linear(row, TRUE_LOGIT))))
        rows.append(
            PatientRow(**{**row.__dict__, "outcomes": {"change": change, "improved": improved}})
        )
    return rows


def test_regression_recovers_known_coefficients():
    rng = np.random.default_rng(20260101)
    rows = [p for team in range(10) for p in _patients(rng, team, 600, team / 9)]
    linear = case_mix_fit(rows, "change", MEAN)
    assert set(linear.terms) == {*TRUE_MEAN}
    for term, truth in TRUE_MEAN.items():
        # Within 4 standard errors of the truth (a 1-in-16,000 miss per coefficient by chance).
        assert abs(linear.coefficients[term] - truth) < 4 * linear.standard_errors[term], term
    assert linear.sigma == pytest.approx(SIGMA, rel=0.03)
    assert 0 < linear.statistics["r_squared"] < 1
    assert linear.n == 6000

    logistic = case_mix_fit(rows, "improved", PROPORTION)
    for term, truth in TRUE_LOGIT.items():
        assert abs(logistic.coefficients[term] - truth) < 4 * logistic.standard_errors[term], term
    assert 0 < logistic.statistics["pseudo_r_squared"] < 1
    assert logistic.statistics["deviance"] < logistic.statistics["null_deviance"]
    assert "not recorded" in logistic.levels["stage"]
    assert logistic.words().startswith("improved by a logistic model")

    # With an intercept both models predict, over all the patients, exactly what was observed.
    for fit in (linear, logistic):
        predicted = np.array(fit.predict(rows))
        observed = np.array([r.outcomes[fit.outcome] for r in rows])
        assert predicted.sum() == pytest.approx(observed.sum(), rel=1e-9, abs=1e-6)


def test_fit_round_trips_through_json_and_predicts_the_same():
    rng = np.random.default_rng(7)
    rows = [p for team in range(4) for p in _patients(rng, team, 50, team / 3)]
    for outcome, kind in (("change", MEAN), ("improved", PROPORTION)):
        fit = case_mix_fit(rows, outcome, kind)
        stored = json.loads(json.dumps(fit.to_dict()))
        assert stored["words"] == fit.words()
        again = Fit.from_dict(stored)
        assert again == fit
        assert again.predict(rows) == fit.predict(rows)


def test_fit_takes_mappings_and_leaves_out_patients_without_the_outcome():
    rows = [
        {
            "team_id": "a" if i % 2 else "b",
            "baseline_index": float(i),
            "age_band": AGE_BANDS[i % 2],
            "conditions": 1 + i % 3,
            "stage": None,
            "context_event": i % 4 == 0,
            "own_priorities": True,  # never varies: no column
            "change": None if i == 0 else 2.0 + 0.5 * i - (i % 3),
        }
        for i in range(30)
    ]
    fit = case_mix_fit(rows, "change", MEAN)
    assert fit.n == 29
    assert fit.terms == (
        "intercept",
        "baseline_index",
        "age_band[45-64]",
        "conditions",
        "context_event",
    )
    assert fit.levels == {"age_band": ("18-44", "45-64"), "stage": (NOT_RECORDED,)}
    # The outcome is an exact function of baseline and conditions: 3 + 0.5·i − conditions.
    assert fit.coefficients["baseline_index"] == pytest.approx(0.5, abs=1e-9)
    assert fit.coefficients["conditions"] == pytest.approx(-1.0, abs=1e-9)
    teams = team_observed_expected(rows, fit)
    assert {t: f.n for t, f in teams.items()} == {"a": 15, "b": 14}
    assert teams["a"].observed == pytest.approx(teams["a"].expected, abs=1e-9)
    with pytest.raises(ValueError, match="levels the model was not fitted on"):
        fit.predict([{**rows[1], "age_band": "75+"}])


def test_small_teams_are_not_shown():
    rng = np.random.default_rng(11)
    rows = [p for team, n in enumerate([4, 5, 30, 30, 30]) for p in _patients(rng, team, n, 0.5)]
    fit = case_mix_fit(rows, "change", MEAN)
    funnel = funnel_build(team_observed_expected(rows, fit), fit, target=fit_target(rows, fit))
    assert funnel.not_shown == {0: NOT_SHOWN}
    assert NOT_SHOWN == "not shown: fewer than 5 patients"
    assert [p.team_id for p in funnel.points] == [1, 2, 3, 4]
    assert funnel.overdispersion.k == 4


def fit_target(rows, fit):
    """θ₀ or p₀: the installation's overall figure over every patient with the outcome."""
    return float(np.mean([r.outcomes[fit.outcome] for r in rows]))


# --- A design that cannot be fitted whole ---------------------------------------------------


def _hand_made(n: int = 42, **same) -> list[PatientRow]:
    """n patients of three teams whose factors all vary (the age band and own priorities
    independently); ``same`` sets a factor to one value for everyone. The change falls with the
    baseline; about two in five improved."""
    rows = []
    for i in range(n):
        factors = {
            "team_id": i % 3,
            "baseline_index": 30.0 + (i * 7) % 50,
            "age_band": AGE_BANDS[i % 4],
            "conditions": 1 + (i // 2) % 3,
            "stage": (None, *STAGES)[(i // 3) % 4],
            "context_event": i % 5 == 0,
            "own_priorities": i % 7 < 3,
            **same,
        }
        change = 5.0 - 0.05 * factors["baseline_index"] + ((i * 13) % 11 - 5) / 2
        outcomes = {"change": change, "improved": float((i * 5) % 7 < 3)}
        rows.append(PatientRow(**factors, outcomes=outcomes))
    return rows


def _least_squares(rows: list[PatientRow], columns: list[str]) -> dict[str, float]:
    """Ordinary least squares by hand (numpy), on the named columns and an intercept."""
    x = np.array([[1.0] + [float(getattr(r, c)) for c in columns] for r in rows])
    y = np.array([r.outcomes["change"] for r in rows])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    return dict(zip(["intercept", *columns], beta, strict=True))


def test_factors_the_same_for_every_patient_are_left_out_and_recorded():
    # Every patient in one age band, no stage recorded anywhere, own priorities for all.
    rows = _hand_made(age_band="75+", stage=None, own_priorities=True)

    fit = case_mix_fit(rows, "change", MEAN)

    assert fit.terms == ("intercept", "baseline_index", "conditions", "context_event")
    assert fit.dropped == {
        "age_band": "constant",
        "stage": "constant",
        "own_priorities": "constant",
    }
    assert fit.dropped_factors == ("age_band", "stage", "own_priorities")
    assert fit.factors == ("baseline_index", "conditions", "context_event")
    assert fit.adjusted
    by_hand = _least_squares(rows, ["baseline_index", "conditions", "context_event"])
    assert fit.coefficients == pytest.approx(by_hand, abs=1e-9)
    assert fit.words().endswith(
        "Left out of the case-mix model: the age band, which is the same for every patient; the "
        "stage (where recorded), which is the same for every patient; whether the patient set "
        "their own priorities (rather than default weights), which is the same for every patient."
    )
    funnel = funnel_build(team_observed_expected(rows, fit), fit, fit_target(rows, fit))
    assert funnel.method.startswith("Limits assume only chance variation between teams")
    assert "Left out of the case-mix model: the age band" in funnel.method


def test_a_factor_the_others_determine_is_left_out_not_split():
    # Own priorities exactly when 65 or over; a context event exactly in the late stage.
    rows = [
        PatientRow(
            **{
                **row.__dict__,
                "own_priorities": row.age_band in ("65-74", "75+"),
                "context_event": row.stage == "late",
            }
        )
        for row in _hand_made()
    ]

    fit = case_mix_fit(rows, "change", MEAN)

    assert fit.dropped == {"context_event": "collinear", "own_priorities": "collinear"}
    assert "context_event" not in fit.terms
    assert "own_priorities" not in fit.terms
    assert fit.dropped_factors == ("context_event", "own_priorities")
    # The coefficients are those of the model without the two (nothing split between twins).
    alone = case_mix_fit(
        [
            PatientRow(**{**r.__dict__, "own_priorities": False, "context_event": False})
            for r in rows
        ],
        "change",
        MEAN,
    )
    assert fit.terms == alone.terms
    assert fit.coefficients == pytest.approx(alone.coefficients, abs=1e-9)
    assert all(math.isfinite(se) for se in fit.standard_errors.values())
    assert "which the factors before it fully determine" in fit.words()


def test_a_level_that_predicts_the_share_perfectly_is_left_out():
    # Every patient aged 75 or over improved: their level has no finite log-odds.
    rows = [
        PatientRow(
            **{
                **row.__dict__,
                "outcomes": {
                    "improved": 1.0 if row.age_band == "75+" else row.outcomes["improved"]
                },
            }
        )
        for row in _hand_made()
    ]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation warning from statsmodels either
        fit = case_mix_fit(rows, "improved", PROPORTION)

    assert fit.dropped == {"age_band[75+]": "separation"}
    assert "age_band[65-74]" in fit.terms
    assert "age_band" in fit.factors
    assert fit.dropped_factors == ()
    assert all(abs(b) < 20 for b in fit.coefficients.values()), fit.coefficients
    predicted = np.array(fit.predict(rows))
    assert ((predicted > 1e-6) & (predicted < 1 - 1e-6)).all()
    assert "the age band, level '75+', which predicts the outcome perfectly" in fit.words()


def test_a_baseline_that_predicts_the_share_perfectly_is_left_out():
    # Improved exactly when the baseline index is under 55.
    rows = [
        PatientRow(**{**row.__dict__, "outcomes": {"improved": float(row.baseline_index < 55)}})
        for row in _hand_made()
    ]

    fit = case_mix_fit(rows, "improved", PROPORTION)

    assert fit.dropped == {"baseline_index": "separation"}
    assert fit.factors == ("age_band", "conditions", "stage", "context_event", "own_priorities")
    assert all(abs(b) < 20 for b in fit.coefficients.values()), fit.coefficients


def test_when_every_patient_has_the_same_outcome_the_overall_figure_is_expected():
    # No patient-initiated contact anywhere: nothing to adjust, and never a division by zero.
    rows = [PatientRow(**{**r.__dict__, "outcomes": {"contact": 0.0}}) for r in _hand_made()]

    fit = case_mix_fit(rows, "contact", PROPORTION)

    assert not fit.adjusted
    assert fit.reason == "same_outcome"
    assert fit.terms == ()
    assert fit.predict(rows[:3]) == [0.0, 0.0, 0.0]
    funnel = funnel_build(team_observed_expected(rows, fit), fit, 0.0)
    assert [p.n for p in funnel.points] == [14, 14, 14]
    for point in funnel.points:
        assert (point.observed, point.expected, point.adjusted, point.z) == (0.0, 0.0, 0.0, 0.0)
        assert point.limits == Limits(0.0, 0.0, 0.0, 0.0)  # exact binomial around p₀ = 0
        assert point.position == WITHIN
    assert funnel.method == (
        "Limits assume only chance variation between teams (φ = 0 over 3 teams). No case-mix "
        "adjustment was possible (every patient had the same outcome): each team is compared "
        "with the overall figure"
    )


def test_without_any_factor_that_varies_each_team_is_compared_with_the_overall_mean():
    same = {
        "baseline_index": 50.0,
        "age_band": "75+",
        "conditions": 2,
        "stage": None,
        "context_event": False,
        "own_priorities": True,
    }
    rows = _hand_made(n=30, **same)

    fit = case_mix_fit(rows, "change", MEAN)

    assert not fit.adjusted
    assert fit.reason == "no_factor"
    assert fit.dropped_factors == tuple(same)
    values = [r.outcomes["change"] for r in rows]
    theta0 = float(np.mean(values))
    sigma = float(np.std(values, ddof=1))
    assert fit.sigma == pytest.approx(sigma, abs=1e-12)
    teams = team_observed_expected(rows, fit)
    assert all(team.expected == pytest.approx(theta0, abs=1e-12) for team in teams.values())
    funnel = funnel_build(teams, fit, theta0)
    for point in funnel.points:  # each team of 10: θ₀ ± z·σ/√10, and the team's own mean
        assert point.adjusted == pytest.approx(point.observed, abs=1e-12)
        assert point.limits.upper_998 == pytest.approx(
            theta0 + Z998 * sigma / math.sqrt(10), abs=1e-9
        )
    assert "No case-mix adjustment was possible (no factor of the case mix" in funnel.method
    assert fit.words().startswith("change: no case-mix adjustment was possible")


def test_fewer_patients_than_the_model_needs_get_no_adjustment_and_none_is_an_error():
    rows = _hand_made(n=6)  # 6 patients, 11 columns that vary

    fit = case_mix_fit(rows, "change", MEAN)

    assert not fit.adjusted
    assert fit.reason == "too_few"
    assert fit.predict(rows) == pytest.approx([np.mean([r.outcomes["change"] for r in rows])] * 6)
    with pytest.raises(ValueError, match="too few"):
        case_mix_fit(rows[:1], "change", MEAN)


def test_a_fit_with_factors_left_out_round_trips_and_an_older_stored_fit_still_reads():
    rows = _hand_made(stage=None)
    for outcome, kind in (("change", MEAN), ("improved", PROPORTION)):
        fit = case_mix_fit(rows, outcome, kind)
        stored = json.loads(json.dumps(fit.to_dict()))
        assert stored["dropped"] == {"stage": "constant"}
        assert stored["dropped_factors"] == ["stage"]
        assert Fit.from_dict(stored) == fit
    without = case_mix_fit(
        [PatientRow(**{**r.__dict__, "outcomes": {"x": 1.0}}) for r in rows], "x", PROPORTION
    )
    assert Fit.from_dict(json.loads(json.dumps(without.to_dict()))) == without
    # A store that reorders keys (PostgreSQL's jsonb) changes nothing, not even the words.
    uniform = case_mix_fit(_hand_made(age_band="75+", stage=None), "change", MEAN)
    stored = uniform.to_dict()
    stored["dropped"] = dict(reversed(stored["dropped"].items()))
    assert list(Fit.from_dict(stored).dropped) == ["age_band", "stage"]
    assert Fit.from_dict(stored).words() == uniform.words()
    older = {k: v for k, v in fit.to_dict().items() if k not in ("dropped", "adjusted", "reason")}
    again = Fit.from_dict(older)
    assert again.adjusted
    assert again.dropped == {}
    assert again.predict(rows) == fit.predict(rows)


# --- The simulation ----------------------------------------------------------------------------

TEAM_SIZES = (8, 10, 12, 15, 18, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 120, 150, 200)
QUARTERS = 200
HARD_TEAM = 19  # the largest team, with the hardest case mix


def _simulate(outcome, kind):
    """Share of team-quarters outside each limit, adjusted, and how often the hardest team falls
    below the 99.8 % limit with and without adjustment."""
    rng = np.random.default_rng(20261130)
    outside = {LEVEL_95: 0, LEVEL_998: 0}
    hard_below = {"adjusted": 0, "unadjusted": 0}
    points = 0
    for _quarter in range(QUARTERS):
        rows = [
            p
            for team, n in enumerate(TEAM_SIZES)
            for p in _patients(rng, team, n, team / (len(TEAM_SIZES) - 1))
        ]
        fit = case_mix_fit(rows, outcome, kind)
        target = fit_target(rows, fit)
        teams = team_observed_expected(rows, fit)
        funnel = funnel_build(teams, fit, target)
        for point in funnel.points:
            points += 1
            outside[LEVEL_95] += point.position != WITHIN
            outside[LEVEL_998] += point.position in (ABOVE_998, BELOW_998)
            if point.team_id == HARD_TEAM:
                hard_below["adjusted"] += point.position == BELOW_998
                # Unadjusted: the raw figure against limits that ignore the case mix.
                hard = teams[HARD_TEAM]
                if kind == MEAN:
                    lower, _ = funnel_limits_mean(target, fit.sigma, hard.n, Z998)
                else:
                    lower, _ = funnel_limits_proportion(target, hard.n, LEVEL_998)
                hard_below["unadjusted"] += hard.observed < lower
    assert points == QUARTERS * len(TEAM_SIZES)
    return {level: count / points for level, count in outside.items()}, hard_below


# 4,000 team-quarters. Under correct limits the count outside 99.8 % is about Binomial(4000,
# 0.002): mean 8, sd 2.8; 0.025 % to 0.6 % (1 to 24) is 2.5 sd below to 5.7 sd above, room for
# the normal approximation's slightly heavier tails at small n. Outside 95 %: mean 200, sd 13.8;
# 3 % to 7 % (120 to 280) leaves room for the fitted (not true) coefficients, which absorb a
# little of each team's own chance deviation (measured: 3.4 % for the mean, 3.7 % for the
# share), and for the rare quarter widened for overdispersion. Once adjusted, the hardest team
# is below 99.8 % about as rarely as any (at most 1 % of quarters); without adjustment in over
# half of the quarters for the mean and over a quarter for the share (a share moves less).


def test_simulation_mean_change_stays_inside_the_limits_at_the_expected_rate():
    share, hard_below = _simulate("change", MEAN)
    assert 0.00025 <= share[LEVEL_998] <= 0.006, share
    assert 0.03 <= share[LEVEL_95] <= 0.07, share
    assert hard_below["adjusted"] <= 0.01 * QUARTERS, hard_below
    assert hard_below["unadjusted"] >= 0.5 * QUARTERS, hard_below


def test_simulation_share_improved_stays_inside_the_limits_at_the_expected_rate():
    share, hard_below = _simulate("improved", PROPORTION)
    assert 0.00025 <= share[LEVEL_998] <= 0.006, share
    assert 0.03 <= share[LEVEL_95] <= 0.07, share
    assert hard_below["adjusted"] <= 0.01 * QUARTERS, hard_below
    assert hard_below["unadjusted"] >= 0.25 * QUARTERS, hard_below
