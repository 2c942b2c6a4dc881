"""The funnel of one figure: every team shown with its adjusted figure, limits and position, the
teams too small to show, and the limit curves a plot draws."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from indicators.small_numbers import too_few

from .limits import (
    Limits,
    Overdispersion,
    TeamFigures,
    adjusted_mean,
    adjusted_proportion,
    funnel_limits_mean,
    funnel_limits_proportion,
    limits_pair,
    overdispersion,
    team_position,
)
from .model import MEAN, NOT_SHOWN, PROPORTION, Fit, Kind, z_for_level

# --- The funnel of one figure -------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelPoint:
    """One team on the funnel: its figures, the adjusted figure, its limits and its position."""

    team_id: Any
    n: int
    observed: float
    expected: float
    adjusted: float
    standard_error: float
    z: float
    limits: Limits
    position: str


@dataclass(frozen=True)
class Funnel:
    """A figure's funnel in one quarter: the target, the teams shown, those not, and the method."""

    kind: Kind
    target: float
    points: tuple[FunnelPoint, ...]
    not_shown: Mapping[Any, str]
    overdispersion: Overdispersion
    adjustment: str = ""  # how far the case mix could be adjusted for (``Fit.adjustment_words``)

    @property
    def method(self) -> str:
        """Which limits were used, and any limit to the case-mix adjustment, in words."""
        if self.adjustment:
            return f"{self.overdispersion.words}. {self.adjustment}"
        return self.overdispersion.words


def teams_not_shown(figures: Mapping[Any, TeamFigures]) -> dict[Any, str]:
    """The teams left off the funnel because they have fewer than ``SMALL_NUMBER`` patients."""
    return {team_id: NOT_SHOWN for team_id, team in figures.items() if too_few(team.n)}


def _team_standard_error(kind: Kind, team: TeamFigures, target: float, sigma: float) -> float:
    """sᵢ, the standard error of a team's adjusted figure under the model alone (0 when every
    patient had the same outcome: nothing varies)."""
    if kind == MEAN:
        return sigma / math.sqrt(team.n)
    if team.expected_total <= 0:
        if team.variance <= 0:
            return 0.0
        raise ValueError("an adjusted proportion needs an expected number above 0")
    return target * math.sqrt(team.variance) / team.expected_total


def _z_score(value: float, target: float, standard_error: float) -> float:
    """(figure − target) / sᵢ; 0 when nothing varies (sᵢ = 0: the figure is the target)."""
    return (value - target) / standard_error if standard_error > 0 else 0.0


def _limits_of(
    kind: Kind, team: TeamFigures, target: float, sigma: float, tau2: float, exact: bool
) -> Callable[[float], tuple[float, float]]:
    """A team's limits at a given level, for ``limits_pair``."""

    def limit_at(level: float) -> tuple[float, float]:
        if kind == MEAN:
            return funnel_limits_mean(target, sigma, team.n, z_for_level(level), tau2)
        if exact:
            return funnel_limits_proportion(target, team.n, level)
        return funnel_limits_proportion(
            target,
            team.n,
            level,
            expected_total=team.expected_total,
            variance=team.variance,
            exact=False,
            tau2=tau2,
        )

    return limit_at


def funnel_build(
    figures: Mapping[Any, TeamFigures],
    fit: Fit,
    target: float,
    winsor: float = 0.1,
) -> Funnel:
    """The case-mix-adjusted funnel of one figure over all teams of one quarter.

    ``target`` is θ₀ (a mean) or p₀ (a proportion), normally the installation's overall figure.
    Teams with fewer than ``SMALL_NUMBER`` patients are not shown and take no part in the
    overdispersion check. Adjusted proportions take the normal-approximation limits; a proportion
    without case-mix adjustment (``Fit.adjusted`` False) takes the exact binomial limits, unless
    widened for overdispersion.
    """
    shown = [team for team in figures.values() if not too_few(team.n)]
    sigma = fit.sigma if fit.kind == MEAN else 0.0
    adjusted: list[float] = []
    errors: list[float] = []
    for team in shown:
        if fit.kind == MEAN:
            adjusted.append(adjusted_mean(target, team.observed, team.expected))
        else:
            adjusted.append(adjusted_proportion(target, team.observed, team.expected))
        errors.append(_team_standard_error(fit.kind, team, target, sigma))
    z_scores = [_z_score(value, target, s) for value, s in zip(adjusted, errors, strict=True)]
    spread = overdispersion(z_scores, errors, winsor=winsor)
    exact = fit.kind == PROPORTION and not fit.adjusted and spread.tau2 == 0
    points: list[FunnelPoint] = []
    for team, value, s, z in zip(shown, adjusted, errors, z_scores, strict=True):
        limits = limits_pair(_limits_of(fit.kind, team, target, sigma, spread.tau2, exact))
        points.append(
            FunnelPoint(
                team_id=team.team_id,
                n=team.n,
                observed=team.observed,
                expected=team.expected,
                adjusted=value,
                standard_error=s,
                z=z,
                limits=limits,
                position=team_position(value, limits),
            )
        )
    return Funnel(
        kind=fit.kind,
        target=target,
        points=tuple(points),
        not_shown=teams_not_shown(figures),
        overdispersion=spread,
        adjustment=fit.adjustment_words(),
    )
