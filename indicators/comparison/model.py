"""The case-mix model of the team comparison: the patients' rows, the factors, and the fit
(``case_mix_fit``) that gives each patient the figure expected of them."""

from __future__ import annotations

import math
import statistics as pystats
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from indicators.small_numbers import FEWER_THAN_PATIENTS

Kind = Literal["mean", "proportion"]
MEAN: Kind = "mean"  # a mean of a continuous outcome: ordinary least squares
PROPORTION: Kind = "proportion"  # a share of patients with a 0/1 outcome: logistic GLM

LEVEL_95 = 0.95  # the inner (warning) limits: about 1 team in 20 outside by chance
LEVEL_998 = 0.998  # the outer (alarm) limits: about 1 team in 500 outside by chance

NOT_RECORDED = "not recorded"  # the level of a categorical factor with no value (e.g. no stage)
NOT_SHOWN = f"not shown: {FEWER_THAN_PATIENTS}"

# Where a team lies, in words: never a rank.
ABOVE_998 = "above the 99.8 % limit"
ABOVE_95 = "above the 95 % limit"
WITHIN = "within the expected range"
BELOW_95 = "below the 95 % limit"
BELOW_998 = "below the 99.8 % limit"

# The case-mix factors, by kind: numbers enter the model as they are, flags as 0/1, categories as
# one 0/1 column per level other than the first (the reference level).
NUMERIC_FACTORS = ("baseline_index", "conditions")
FLAG_FACTORS = ("context_event", "own_priorities")
CATEGORICAL_FACTORS = ("age_band", "stage")
FACTOR_ORDER = ("baseline_index", "age_band", "conditions", "stage", *FLAG_FACTORS)
FACTOR_WORDS = {
    "baseline_index": "the index at baseline",
    "age_band": "the age band",
    "conditions": "the number of long-term conditions",
    "stage": "the stage (where recorded)",
    "context_event": "whether a context event fell in the quarter",
    "own_priorities": "whether the patient set their own priorities (rather than default weights)",
}

METHOD_CHANCE = "Limits assume only chance variation between teams"


@dataclass(frozen=True)
class PatientRow:
    """One patient in one quarter: their team, case mix and outcomes (by figure name).

    An outcome that is ``None`` or absent (e.g. no change without an index in the quarter before)
    leaves the patient out of that figure. Rows may equally be plain mappings with the same keys
    and the outcomes as keys of their own.
    """

    team_id: Any
    baseline_index: float
    age_band: str | None
    conditions: int
    stage: str | None = None
    context_event: bool = False
    own_priorities: bool = False
    outcomes: Mapping[str, float | None] = field(default_factory=dict)


Row = PatientRow | Mapping[str, Any]


def _factor_read(row: Row, name: str) -> Any:
    """A case-mix factor (or ``team_id``) of a row, whether a ``PatientRow`` or a mapping."""
    if isinstance(row, PatientRow):
        return getattr(row, name)
    return row.get(name)


def _outcome_read(row: Row, outcome: str) -> float | None:
    """The row's value of ``outcome`` as a float, or None when the patient has none."""
    value = row.outcomes.get(outcome) if isinstance(row, PatientRow) else row.get(outcome)
    if value is None:
        return None
    return float(value)


def _level_read(row: Row, name: str) -> str:
    """A categorical factor's level as text; no value is the level ``NOT_RECORDED``."""
    value = _factor_read(row, name)
    return NOT_RECORDED if value is None or value == "" else str(value)


def z_for_level(level: float) -> float:
    """The two-sided standard normal point of a limit: 1.96 for 95 %, 3.09 for 99.8 %."""
    if not 0 < level < 1:
        raise ValueError(f"a limit's level lies between 0 and 1, not {level}")
    return float(stats.norm.ppf(1 - (1 - level) / 2))


# --- The case-mix model -------------------------------------------------------------------------

# Why a factor, or one level of a category, was left out of the model.
DROPPED_CONSTANT = "constant"  # the same for every patient: the intercept already holds it
DROPPED_COLLINEAR = "collinear"  # an exact combination of the columns before it
DROPPED_SEPARATION = "separation"  # predicts a share's outcome perfectly: no finite coefficient
DROPPED_WORDS = {
    DROPPED_CONSTANT: "which is the same for every patient",
    DROPPED_COLLINEAR: "which the factors before it fully determine",
    DROPPED_SEPARATION: "which predicts the outcome perfectly",
}

# Why no case-mix adjustment was possible at all: every patient is then expected to show the
# overall figure (E = n·θ₀ for a mean, Σp₀ = n·p₀ for a share).
NO_ADJUSTMENT = "No case-mix adjustment was possible"
SAME_OUTCOME = "same_outcome"
NO_FACTOR = "no_factor"
TOO_FEW = "too_few"
NOT_FITTED = "not_fitted"
NO_ADJUSTMENT_WORDS = {
    SAME_OUTCOME: "every patient had the same outcome",
    NO_FACTOR: "no factor of the case mix was left to adjust for",
    TOO_FEW: "too few patients for the factors that vary",
    NOT_FITTED: "the model could not be fitted",
}

MIN_PATIENTS = 2  # fewer patients with the outcome than this: nothing to compare at all

# Below this share of its length left over, a column lies in the span of the columns before it.
_COLLINEAR_TOLERANCE = 1e-9
# At or below this the separation check's linear programme has found no separation.
_SEPARATION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Fit:
    """A fitted case-mix model: everything needed to predict again and to say how well it fits.

    ``terms`` names the design's columns in order; ``levels`` lists each categorical factor's
    levels as fitted (the first is the reference, absorbed in the intercept). ``statistics`` holds
    R², adjusted R², AIC and the residual σ for a mean; McFadden's pseudo-R², deviance, null
    deviance and AIC for a proportion. ``dropped`` names what was left out of the design (a factor,
    or a category's level as ``name[level]``) and why (``DROPPED_*``).

    ``adjusted`` is False when no case-mix model could be used (``reason``, one of
    ``NO_ADJUSTMENT_WORDS``): the fit then has no terms, ``statistics`` holds the overall figure
    as ``target`` (and σ, the outcome's standard deviation, for a mean) and every patient's
    prediction is that figure.
    """

    kind: Kind
    outcome: str
    terms: tuple[str, ...]
    coefficients: Mapping[str, float]
    standard_errors: Mapping[str, float]
    levels: Mapping[str, tuple[str, ...]]
    n: int
    statistics: Mapping[str, float]
    dropped: Mapping[str, str] = field(default_factory=dict)
    adjusted: bool = True
    reason: str = ""

    @property
    def sigma(self) -> float:
        """The residual standard deviation of a linear model (a mean's limits rest on it)."""
        if self.kind != MEAN:
            raise ValueError("only a linear model (a mean) has a residual σ")
        return self.statistics["sigma"]

    @property
    def factors(self) -> tuple[str, ...]:
        """The case-mix factors with at least one column in the model, in the design's order."""
        return tuple(_factors_in(self.terms))

    @property
    def dropped_factors(self) -> tuple[str, ...]:
        """The factors left out of the model altogether (not those that kept some levels)."""
        touched = set(_factors_in(self.dropped))
        return tuple(name for name in FACTOR_ORDER if name in touched and name not in self.factors)

    def design(self, rows: Sequence[Row]) -> np.ndarray:
        """The design matrix of ``rows`` with this fit's columns (one row per patient)."""
        return _design_build(rows, self.terms, self.levels)

    def predict(self, rows: Sequence[Row]) -> list[float]:
        """Each patient's expected value: ŷᵢ for a mean, the probability πᵢ for a proportion."""
        if not rows:
            return []
        if not self.adjusted:
            return [self.statistics["target"]] * len(rows)
        beta = np.array([self.coefficients[term] for term in self.terms])
        linear = self.design(rows) @ beta
        if self.kind == PROPORTION:
            return [float(value) for value in 1.0 / (1.0 + np.exp(-linear))]
        return [float(value) for value in linear]

    def words(self) -> str:
        """The model in words, naming the outcome, the method, every factor and any left out."""
        if not self.adjusted:
            text = (
                f"{self.outcome}: {NO_ADJUSTMENT.lower()} ({NO_ADJUSTMENT_WORDS[self.reason]}); "
                f"every patient is expected to show the overall figure of the {self.n} patients "
                "of all teams."
            )
            return f"{text} {self.dropped_words()}." if self.dropped else text
        method = (
            "ordinary least squares (a linear model)"
            if self.kind == MEAN
            else "a logistic model (binomial GLM, logit link)"
        )
        factors = [FACTOR_WORDS[name] for name in self.factors]
        reference = "; ".join(
            f"{FACTOR_WORDS[name]} compared with '{levels[0]}'"
            for name, levels in self.levels.items()
            if name in self.factors
        )
        text = (
            f"{self.outcome} by {method} on {_list_words(factors) or 'no factor'}, "
            f"over {self.n} patients of all teams"
        )
        text = f"{text} ({reference})." if reference else f"{text}."
        return f"{text} {self.dropped_words()}." if self.dropped else text

    def dropped_words(self) -> str:
        """What was left out of the model and why, in words ("" when nothing was)."""
        if not self.dropped:
            return ""
        parts = [f"{_term_words(term)}, {DROPPED_WORDS[why]}" for term, why in self.dropped.items()]
        return f"Left out of the case-mix model: {'; '.join(parts)}"

    def adjustment_words(self) -> str:
        """How far the case mix could be adjusted for, in words ("" when fully)."""
        if not self.adjusted:
            return (
                f"{NO_ADJUSTMENT} ({NO_ADJUSTMENT_WORDS[self.reason]}): each team is compared "
                "with the overall figure"
            )
        return self.dropped_words()

    def to_dict(self) -> dict[str, Any]:
        """The fit as plain JSON-ready values, to be stored with the run."""
        return {
            "kind": self.kind,
            "outcome": self.outcome,
            "terms": list(self.terms),
            "coefficients": dict(self.coefficients),
            "standard_errors": dict(self.standard_errors),
            "levels": {name: list(levels) for name, levels in self.levels.items()},
            "n": self.n,
            "statistics": dict(self.statistics),
            "dropped": dict(self.dropped),
            "adjusted": self.adjusted,
            "reason": self.reason,
            "factors": list(self.factors),
            "dropped_factors": list(self.dropped_factors),
            "words": self.words(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fit:
        """The fit stored by ``to_dict`` (runs stored before ``dropped`` included), able to
        predict exactly as it did."""
        kind = data["kind"]
        if kind not in (MEAN, PROPORTION):
            raise ValueError(f"unknown kind of fit: {kind!r}")
        return cls(
            kind=kind,
            outcome=str(data["outcome"]),
            terms=tuple(data["terms"]),
            coefficients={k: float(v) for k, v in data["coefficients"].items()},
            standard_errors={k: float(v) for k, v in data["standard_errors"].items()},
            levels={k: tuple(v) for k, v in data["levels"].items()},
            n=int(data["n"]),
            statistics={k: float(v) for k, v in data["statistics"].items()},
            dropped=_in_design_order({k: str(v) for k, v in data.get("dropped", {}).items()}),
            adjusted=bool(data.get("adjusted", True)),
            reason=str(data.get("reason", "")),
        )


def _list_words(items: Sequence[str]) -> str:
    """Items joined as a sentence would: "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _factors_in(terms: Iterable[str]) -> list[str]:
    """The factors behind a design's columns, in order, each once."""
    names: list[str] = []
    for term in terms:
        name = term.split("[", 1)[0]
        if name != "intercept" and name not in names:
            names.append(name)
    return names


def _in_design_order(dropped: Mapping[str, str]) -> dict[str, str]:
    """What was left out, in the order of the factors (a store such as PostgreSQL's jsonb need
    not keep a mapping's order), each category's levels in their sorted order."""

    def place(term: str) -> tuple[int, str]:
        name = term.split("[", 1)[0]
        return FACTOR_ORDER.index(name), term

    return {term: dropped[term] for term in sorted(dropped, key=place)}


def _term_words(term: str) -> str:
    """A factor, or one level of a category (``name[level]``), in words."""
    if "[" not in term:
        return FACTOR_WORDS[term]
    name, level = term[:-1].split("[", 1)
    return f"{FACTOR_WORDS[name]}, level '{level}'"


def _design_build(
    rows: Sequence[Row], terms: Sequence[str], levels: Mapping[str, Sequence[str]]
) -> np.ndarray:
    """The design matrix: one column per term, in the order of ``terms``."""
    read = {  # each category read once, whatever its number of columns
        name: np.array([_level_read(row, name) for row in rows], object) for name in levels
    }
    for name, known in levels.items():
        unknown = set(read[name]) - set(known)
        if unknown:
            raise ValueError(f"{name} has levels the model was not fitted on: {sorted(unknown)}")
    columns: list[np.ndarray] = []
    for term in terms:
        if term == "intercept":
            columns.append(np.ones(len(rows)))
        elif "[" in term:
            name, level = term[:-1].split("[", 1)
            columns.append((read[name] == level).astype(float))
        else:
            columns.append(np.array([float(_factor_read(row, term)) for row in rows], float))
    return np.column_stack(columns)


def _terms_choose(
    rows: Sequence[Row],
) -> tuple[list[str], dict[str, tuple[str, ...]], dict[str, str]]:
    """The design's columns for these rows, each categorical factor's levels, and the factors
    left out because they never vary.

    A flag or number that never varies, or a category with one level, adds no column: the
    intercept already holds it, and a constant column would make the model unidentifiable.
    """
    terms = ["intercept"]
    levels: dict[str, tuple[str, ...]] = {}
    dropped: dict[str, str] = {}
    for name in FACTOR_ORDER:
        if name in CATEGORICAL_FACTORS:
            seen = tuple(sorted({_level_read(row, name) for row in rows}))
            levels[name] = seen
            terms.extend(f"{name}[{level}]" for level in seen[1:])
            varies = len(seen) > 1
        else:
            varies = len({float(_factor_read(row, name)) for row in rows}) > 1
            if varies:
                terms.append(name)
        if not varies:
            dropped[name] = DROPPED_CONSTANT
    return terms, levels, dropped


def _unit_scaled(x: np.ndarray) -> np.ndarray:
    """The columns divided by their largest absolute value, so that no unit dominates a check."""
    scale = np.abs(x).max(axis=0)
    scale[scale == 0] = 1.0
    scaled: np.ndarray = x / scale
    return scaled


def _independent_columns(x: np.ndarray) -> list[int]:
    """The columns kept, in order, each adding to the span of those before it: a column that is
    an exact combination of earlier ones (collinear) has no coefficient of its own.

    In the QR decomposition X = QR, |Rⱼⱼ| is the length of column j left once the columns
    before it are projected out; a column whose remainder is (to rounding) nothing is dropped.
    """
    scaled = _unit_scaled(x)
    remainder = np.abs(np.diag(np.linalg.qr(scaled, mode="r")))  # more rows than columns
    lengths = np.linalg.norm(scaled, axis=0)
    return [j for j in range(x.shape[1]) if remainder[j] > _COLLINEAR_TOLERANCE * lengths[j]]


def _separated(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether some combination of the columns predicts a 0/1 outcome perfectly: (quasi-)complete
    separation, under which a logistic model has no finite estimate.

    The data are separated when some direction d ≠ 0 has xᵢd ≥ 0 for every patient with the
    outcome and xᵢd ≤ 0 for every patient without it: the likelihood then rises for ever along d.
    The linear programme of Konis (2007) looks for one: maximise Σ sᵢxᵢd subject to sᵢxᵢd ≥ 0 and
    −1 ≤ dⱼ ≤ 1, with sᵢ = ±1 the outcome's sign; its optimum is 0 exactly when there is none.
    """
    signed = np.where(y > 0.5, 1.0, -1.0)[:, None] * _unit_scaled(x)
    result = optimize.linprog(
        -signed.sum(axis=0),
        A_ub=-signed,
        b_ub=np.zeros(len(y)),
        bounds=[(-1.0, 1.0)] * x.shape[1],
        method="highs",
    )
    return bool(result.status == 0 and -float(result.fun) > _SEPARATION_TOLERANCE)


def _unseparated_columns(x: np.ndarray, y: np.ndarray) -> list[int]:
    """The columns kept, in order, none of which separates the outcome together with those kept
    before it (the first, the intercept, always kept: with both outcomes present it cannot)."""
    if not _separated(x, y):
        return list(range(x.shape[1]))
    kept = [0]
    for j in range(1, x.shape[1]):
        if not _separated(x[:, [*kept, j]], y):
            kept.append(j)
    return kept


def _columns_keep(
    terms: Sequence[str], x: np.ndarray, keep: Sequence[int], dropped: dict[str, str], why: str
) -> tuple[list[str], np.ndarray]:
    """The design with only the columns ``keep``; the others recorded in ``dropped`` as ``why``."""
    for j, term in enumerate(terms):
        if j not in keep:
            dropped[term] = why
    return [terms[j] for j in keep], x[:, list(keep)]


def _fit_without_adjustment(
    kind: Kind,
    outcome: str,
    y: np.ndarray,
    levels: Mapping[str, tuple[str, ...]],
    dropped: Mapping[str, str],
    reason: str,
) -> Fit:
    """No usable case-mix model: every patient is expected to show the overall figure."""
    statistics = {"target": float(np.mean(y)), "df_residual": float(len(y) - 1)}
    if kind == MEAN:
        statistics["sigma"] = float(pystats.stdev(float(v) for v in y))
    return Fit(
        kind=kind,
        outcome=outcome,
        terms=(),
        coefficients={},
        standard_errors={},
        levels=levels,
        n=len(y),
        statistics=statistics,
        dropped=_in_design_order(dropped),
        adjusted=False,
        reason=reason,
    )


def case_mix_fit(rows: Iterable[Row], outcome: str, kind: Kind) -> Fit:
    """Fit the case-mix model of ``outcome`` over every patient who has it, across all teams.

    ``kind`` is ``MEAN`` (ordinary least squares) or ``PROPORTION`` (logistic GLM; the outcome is
    0 or 1). The factors: baseline index and number of conditions as numbers, age band and stage
    as categories (no stage is the level "not recorded"), context event and own priorities as
    flags. A factor that never varies, a column that is an exact combination of earlier ones and,
    for a share, a column that separates the outcome perfectly are left out (``Fit.dropped``);
    when no usable model remains the fit makes no adjustment (``Fit.adjusted`` False). Fewer than
    ``MIN_PATIENTS`` patients with the outcome is a ``ValueError``: nothing to compare.
    """
    if kind not in (MEAN, PROPORTION):
        raise ValueError(f"unknown kind of fit: {kind!r}")
    fitted = [row for row in rows if _outcome_read(row, outcome) is not None]
    y = np.array([_outcome_read(row, outcome) for row in fitted], float)
    if len(fitted) < MIN_PATIENTS:
        raise ValueError(f"{len(fitted)} patients are too few to compare")
    if kind == PROPORTION and not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError("a proportion's outcome is 0 or 1 for each patient")
    candidates, levels, dropped = _terms_choose(fitted)

    def no_adjustment(reason: str) -> Fit:
        return _fit_without_adjustment(kind, outcome, y, levels, dropped, reason)

    if kind == PROPORTION and len(np.unique(y)) == 1:
        return no_adjustment(SAME_OUTCOME)
    if len(fitted) <= len(candidates):  # checked first: few rows would make columns collinear
        return no_adjustment(TOO_FEW)
    x = _design_build(fitted, candidates, levels)
    terms, x = _columns_keep(candidates, x, _independent_columns(x), dropped, DROPPED_COLLINEAR)
    if kind == PROPORTION:
        keep = _unseparated_columns(x, y)
        terms, x = _columns_keep(terms, x, keep, dropped, DROPPED_SEPARATION)
    if len(terms) == 1:
        return no_adjustment(NO_FACTOR)
    statistics: dict[str, float]
    if kind == MEAN:
        result = sm.OLS(y, x).fit()
        statistics = {
            "r_squared": float(result.rsquared),
            "r_squared_adjusted": float(result.rsquared_adj),
            "aic": float(result.aic),
            "sigma": math.sqrt(float(result.scale)),
            "df_residual": float(result.df_resid),
        }
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PerfectSeparationWarning)
                result = sm.GLM(y, x, family=sm.families.Binomial()).fit()
        except (PerfectSeparationWarning, np.linalg.LinAlgError):
            return no_adjustment(NOT_FITTED)
        if not result.converged:
            return no_adjustment(NOT_FITTED)
        statistics = {
            "pseudo_r_squared": 1.0 - float(result.llf) / float(result.llnull),
            "deviance": float(result.deviance),
            "null_deviance": float(result.null_deviance),
            "aic": float(result.aic),
            "df_residual": float(result.df_resid),
        }
    return Fit(
        kind=kind,
        outcome=outcome,
        terms=tuple(terms),
        coefficients={t: float(b) for t, b in zip(terms, result.params, strict=True)},
        standard_errors={t: float(s) for t, s in zip(terms, result.bse, strict=True)},
        levels=levels,
        n=len(fitted),
        # A perfect linear fit has an AIC of −∞: kept out, since JSON (and the run) cannot hold it.
        statistics={name: value for name, value in statistics.items() if math.isfinite(value)},
        dropped=_in_design_order(dropped),
    )
