"""Each team's observed figure beside the expected one, the adjusted figure, the control limits
for a team of n patients, and the check for overdispersion."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .model import (
    ABOVE_95,
    ABOVE_998,
    BELOW_95,
    BELOW_998,
    LEVEL_95,
    LEVEL_998,
    MEAN,
    METHOD_CHANCE,
    PROPORTION,
    WITHIN,
    Fit,
    Kind,
    Row,
    _factor_read,
    _outcome_read,
    z_for_level,
)

# --- Observed beside expected, per team ---------------------------------------------------------


@dataclass(frozen=True)
class TeamFigures:
    """A team's figure in one quarter: observed O beside expected E from the case-mix model.

    ``observed`` and ``expected`` are means (of the outcome, of the predictions); for a proportion
    ``expected_total`` (Σπᵢ) is the expected number of patients with the outcome and ``variance``
    V = Σπᵢ(1 − πᵢ) the variance of the observed number. For a mean ``variance`` is n·σ², the
    variance of the team's total under the model.
    """

    team_id: Any
    n: int
    observed: float
    expected: float
    expected_total: float
    variance: float


def team_observed_expected(rows: Iterable[Row], fit: Fit) -> dict[Any, TeamFigures]:
    """Each team's n, O, E and V for the fit's outcome (patients without the outcome left out)."""
    by_team: dict[Any, list[Row]] = {}
    for row in rows:
        if _outcome_read(row, fit.outcome) is not None:
            by_team.setdefault(_factor_read(row, "team_id"), []).append(row)
    figures: dict[Any, TeamFigures] = {}
    for team_id, members in by_team.items():
        predictions = np.array(fit.predict(members))
        values = np.array([_outcome_read(row, fit.outcome) for row in members], float)
        n = len(members)
        if fit.kind == PROPORTION:
            variance = float(np.sum(predictions * (1.0 - predictions)))
        else:
            variance = n * fit.sigma**2
        figures[team_id] = TeamFigures(
            team_id=team_id,
            n=n,
            observed=float(values.mean()),
            expected=float(predictions.mean()),
            expected_total=float(predictions.sum()),
            variance=variance,
        )
    return figures


def adjusted_mean(theta0: float, observed: float, expected: float) -> float:
    """A mean on the installation's case mix: θ₀ + (O − E)."""
    return theta0 + (observed - expected)


def adjusted_proportion(p0: float, observed: float, expected: float) -> float:
    """A proportion on the installation's case mix: p₀ · O / E (O and E both means or both counts).

    Without an expected outcome (E = 0) there is nothing to compare with: the figure is p₀ when
    nothing was observed either, and an error otherwise.
    """
    if expected <= 0:
        if observed == 0:
            return p0
        raise ValueError("an adjusted proportion needs an expected figure above 0")
    return p0 * observed / expected


# --- Control limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The lower and upper 95 % and 99.8 % control limits for one team (or one n)."""

    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


def funnel_limits_mean(
    theta0: float, sigma: float, n: int, z: float, tau2: float = 0.0
) -> tuple[float, float]:
    """The limits of a mean of n patients: θ₀ ± z·√(σ²/n + τ²) (τ² = 0: θ₀ ± z·σ/√n)."""
    if n <= 0:
        raise ValueError("limits need at least one patient")
    half = z * math.sqrt(sigma**2 / n + tau2)
    return theta0 - half, theta0 + half


def _binomial_point(p0: float, n: int, probability: float) -> float:
    """The exact binomial limit at ``probability``, as a proportion, interpolated between counts.

    With r the ``probability`` quantile of Binomial(n, p₀) (the least r with P(R ≤ r) ≥
    probability), α = (P(R ≤ r) − probability) / (P(R ≤ r) − P(R ≤ r − 1)) and the limit is
    (r − α) / n (Spiegelhalter 2005, appendix).
    """
    r = float(stats.binom.ppf(probability, n, p0))
    at_r = float(stats.binom.cdf(r, n, p0))
    below_r = float(stats.binom.cdf(r - 1, n, p0))
    alpha = (at_r - probability) / (at_r - below_r) if at_r > below_r else 0.0
    return min(1.0, max(0.0, (r - alpha) / n))


def funnel_limits_proportion(
    p0: float,
    n: int,
    level: float,
    *,
    expected_total: float | None = None,
    variance: float | None = None,
    exact: bool = True,
    tau2: float = 0.0,
) -> tuple[float, float]:
    """The limits at ``level`` of a proportion of n patients around p₀.

    ``exact`` (for an unadjusted proportion): the interpolated binomial limits of
    ``_binomial_point``. Otherwise the normal approximation for an adjusted proportion,
    p₀ · (1 ± z·√V / E) with E the expected number Σπᵢ and V = Σπᵢ(1 − πᵢ) (without them, those of
    n patients each of probability p₀); widened for overdispersion to p₀ ± z·√(s² + τ²) with
    s = p₀·√V / E. Exact limits are never widened: give ``exact=False`` with τ².
    """
    if n <= 0:
        raise ValueError("limits need at least one patient")
    if exact:
        if tau2:
            raise ValueError("exact binomial limits are not widened; use exact=False")
        tail = (1 - level) / 2
        return _binomial_point(p0, n, tail), _binomial_point(p0, n, 1 - tail)
    e = n * p0 if expected_total is None else expected_total
    v = n * p0 * (1 - p0) if variance is None else variance
    if e <= 0:
        raise ValueError("normal-approximation limits need an expected number above 0")
    s = p0 * math.sqrt(v) / e
    half = z_for_level(level) * math.sqrt(s**2 + tau2)
    return p0 - half, p0 + half


def funnel_curve_limits(
    kind: Kind, target: float, n: int, level: float, *, sigma: float = 0.0, tau2: float = 0.0
) -> tuple[float, float]:
    """The limits at ``level`` of a team of n patients of the installation's average case mix:
    what a funnel plot draws as its curves, from what a run stores (kind, target, σ, τ²).

    A mean: θ₀ ± z·√(σ²/n + τ²), a team's own limits at its n. A share: the exact binomial limits
    around p₀, or, widened for overdispersion, p₀ ± z·√(p₀(1 − p₀)/n + τ²). An adjusted share's
    team has limits of its own (from its E and V), close to the curve's at its n.
    """
    if kind == MEAN:
        return funnel_limits_mean(target, sigma, n, z_for_level(level), tau2)
    if tau2 > 0:
        return funnel_limits_proportion(target, n, level, exact=False, tau2=tau2)
    return funnel_limits_proportion(target, n, level)


def limits_pair(limit_at: Callable[[float], tuple[float, float]]) -> Limits:
    """Both pairs of limits from ``limit_at(level) -> (lower, upper)``."""
    lower_95, upper_95 = limit_at(LEVEL_95)
    lower_998, upper_998 = limit_at(LEVEL_998)
    return Limits(lower_95, upper_95, lower_998, upper_998)


def team_position(value: float, limits: Limits) -> str:
    """Where a team's figure lies against its limits, in words; a figure on a limit is inside."""
    if value > limits.upper_998:
        return ABOVE_998
    if value < limits.lower_998:
        return BELOW_998
    if value > limits.upper_95:
        return ABOVE_95
    if value < limits.lower_95:
        return BELOW_95
    return WITHIN


# --- Overdispersion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdispersion:
    """The overdispersion check over k teams and what it decided.

    ``phi`` = (1/k)·Σz_w² over the winsorised z-scores; ``overdispersed`` when kφ exceeds the 95th
    percentile of χ² on k − 1 degrees of freedom (``threshold``); ``tau2`` the additive
    random-effects variance, used to widen the limits only when overdispersed (otherwise 0).
    """

    k: int
    z_winsorised: tuple[float, ...]
    phi: float
    threshold: float
    overdispersed: bool
    tau2: float
    words: str


def _winsorise(values: np.ndarray, winsor: float) -> np.ndarray:
    """The lowest and highest ⌊winsor·k⌋ values pulled in to the next value inside them."""
    k = len(values)
    g = math.floor(winsor * k)
    if g == 0:
        return values.copy()
    ordered = np.sort(values)
    clipped: np.ndarray = np.clip(values, ordered[g], ordered[k - 1 - g])
    return clipped


def overdispersion(
    z_scores: Sequence[float],
    standard_errors: Sequence[float],
    winsor: float = 0.1,
    significance: float = 0.05,
) -> Overdispersion:
    """Whether teams vary more than chance allows, and the random-effects τ² if they do.

    ``z_scores`` are each team's (figure − target) / sᵢ and ``standard_errors`` their sᵢ, in the
    same order. The z-scores are winsorised (the lowest and highest 10 % pulled in), φ is their
    mean square, and with k teams kφ is compared with χ² on k − 1 degrees of freedom at
    ``significance``. When it is exceeded, τ² = max(0, (kφ − (k − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ)) with
    wᵢ = 1/sᵢ² (Spiegelhalter 2005), and the limits become target ± z·√(sᵢ² + τ²).
    """
    z = np.asarray(z_scores, float)
    s = np.asarray(standard_errors, float)
    k = len(z)
    if k != len(s):
        raise ValueError("one standard error for each z-score")
    if k < 2:
        return Overdispersion(
            k, tuple(float(v) for v in z), 0.0, math.inf, False, 0.0, METHOD_CHANCE
        )
    if not 0 <= winsor < 0.5:
        raise ValueError("winsorising pulls in less than half of the values at each end")
    winsorised = _winsorise(z, winsor)
    phi = float(np.mean(winsorised**2))
    threshold = float(stats.chi2.ppf(1 - significance, k - 1))
    overdispersed = k * phi > threshold
    tau2 = 0.0
    if overdispersed and np.all(s > 0):
        w = 1.0 / s**2
        tau2 = max(0.0, (k * phi - (k - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
    words = (
        f"Limits widened for overdispersion (random effects, τ² = {tau2:.4g}; φ = {phi:.3g} "
        f"over {k} teams)"
        if overdispersed
        else f"{METHOD_CHANCE} (φ = {phi:.3g} over {k} teams)"
    )
    return Overdispersion(
        k=k,
        z_winsorised=tuple(float(v) for v in winsorised),
        phi=phi,
        threshold=threshold,
        overdispersed=overdispersed,
        tau2=tau2,
        words=words,
    )
