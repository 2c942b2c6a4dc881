"""Scoring arithmetic for outcome indicators, kept free of Django so it can be checked by hand."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "CHANGE_PLACES",
    "CHANGE_THRESHOLD",
    "DOMAIN_CODES",
    "FRAMEWORK_CODES",
    "Quartiles",
    "WeightedIndex",
    "direction_of",
    "gas_t_score",
    "index_change",
    "next_period",
    "parse_period",
    "period_bounds",
    "period_from_number",
    "period_number",
    "period_of",
    "periods_between",
    "perspective_gap",
    "previous_period",
    "quartiles",
    "recent_periods",
    "weighted_index",
]

FRAMEWORK_CODES: tuple[str, ...] = (
    "H1",
    "H2",
    "H3",
    "H4",
    "H5",
    "M1",
    "M2",
    "M3",
    "M4",
    "R1",
    "R2",
    "R3",
    "R4",
)
DOMAIN_CODES: tuple[str, ...] = ("H", "M", "R")
CHANGE_THRESHOLD = 10.0
# A change is kept to this many decimal places: far finer than any real difference between two
# indices (a rating is a whole number from 0 to 10), far coarser than floating point's error.
CHANGE_PLACES = 9
_CHANGE_SCALE = 10.0**CHANGE_PLACES

RATING_MIN = 0.0
RATING_MAX = 10.0
FIRST_YEAR = 1900
LAST_YEAR = 2999
PERIOD_FORMAT_MESSAGE = "period must look like 2026Q3"


def _finite_float(value: object) -> float | None:
    """Return value as a finite float, or None when it is not a real number."""
    # bool is an int subclass and str/bytes convert via float(); none of them is a score.
    if isinstance(value, bool | str | bytes):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clamp(value: float, low: float, high: float) -> float:
    """Return value limited to the closed interval [low, high]."""
    return min(high, max(low, value))


# --- Weighted index ---------------------------------------------------------


@dataclass(frozen=True)
class WeightedIndex:
    """A person's weighted index with its coverage and per-domain breakdown."""

    index: float | None
    coverage: float
    domain_scores: dict[str, float | None]
    domain_weights: dict[str, float]


def _positive_points(
    points: Mapping[str, object], default_keys: Iterable[str]
) -> tuple[dict[str, float], bool]:
    """Return the keys carrying weight with their points, and whether defaults were used."""
    checked: dict[str, float] = {}
    for key, raw in points.items():
        value = _finite_float(raw)
        if value is None:
            raise ValueError(f"points for {key} must be a finite number, not {raw!r}")
        if value < 0:
            raise ValueError(f"points for {key} must not be negative (got {raw!r})")
        if value > 0:
            checked[key] = value
    if checked:
        return checked, False
    # No usable allocation means the person never weighted anything: count every element once.
    return dict.fromkeys(default_keys, 1.0), True


def _checked_ratings(ratings: Mapping[str, object]) -> dict[str, float]:
    """Return ratings as floats after checking each lies within 0-10."""
    checked: dict[str, float] = {}
    for key, raw in ratings.items():
        value = _finite_float(raw)
        if value is None or not RATING_MIN <= value <= RATING_MAX:
            raise ValueError(f"rating for {key} must be between 0 and 10")
        checked[key] = value
    return checked


def _domain_of(key: str, domains: Mapping[str, str], fallback_keys: frozenset[str]) -> str:
    """Return the checked domain code of key."""
    if key in domains:
        domain = domains[key]
    elif key in fallback_keys:
        # Framework codes carry their domain in their first letter, e.g. "M3" is Mastery.
        domain = key[0]
    else:
        raise ValueError(f"no domain given for {key}; every weighted or rated key needs one")
    if domain not in DOMAIN_CODES:
        raise ValueError(f"domain for {key} must be H, M or R, not {domain!r}")
    return domain


def _mean_rating(
    keys: Iterable[str], weight: Mapping[str, float], rating: Mapping[str, float]
) -> tuple[float | None, float]:
    """Return (10 x weighted mean rating or None, rated weight) over the rated keys given."""
    rated = [key for key in keys if key in rating]
    rated_weight = math.fsum(weight[key] for key in rated)
    if rated_weight == 0:
        return None, 0.0
    total = math.fsum(weight[key] * rating[key] for key in rated)
    return _clamp(10.0 * total / rated_weight, 0.0, 100.0), rated_weight


def weighted_index(
    ratings: Mapping[str, float],
    points: Mapping[str, float],
    domains: Mapping[str, str],
    *,
    default_keys: Iterable[str] = FRAMEWORK_CODES,
) -> WeightedIndex:
    """Combine 0-10 ratings with allocated points into a 0-100 index, coverage and domain view."""
    defaults = tuple(default_keys)
    rating = _checked_ratings(ratings)
    # Raw points stand in for w_e = points / total: the total cancels in every ratio below,
    # and dividing first would only add a rounding step.
    weight, _ = _positive_points(points, defaults)
    # Framework codes carry their domain in their first letter, so callers may leave them out.
    fallback_keys = frozenset(defaults)
    domain = {key: _domain_of(key, domains, fallback_keys) for key in {**weight, **rating}}

    total_weight = math.fsum(weight.values())
    index, rated_weight = _mean_rating(weight, weight, rating)
    coverage = _clamp(rated_weight / total_weight, 0.0, 1.0) if total_weight else 0.0

    domain_scores: dict[str, float | None] = {}
    domain_weights: dict[str, float] = {}
    for code in DOMAIN_CODES:
        members = [key for key in weight if domain[key] == code]
        domain_scores[code] = _mean_rating(members, weight, rating)[0]
        member_weight = math.fsum(weight[key] for key in members)
        domain_weights[code] = member_weight / total_weight if total_weight else 0.0
    return WeightedIndex(index, coverage, domain_scores, domain_weights)


# --- Goal attainment scaling ------------------------------------------------


def gas_t_score(reviews: Iterable[tuple[int, float]], rho: float = 0.3) -> float | None:
    """Return the Kiresuk-Sherman GAS T-score for (attainment, weight) pairs, None if none."""
    checked_rho = _finite_float(rho)
    if checked_rho is None or not 0.0 <= checked_rho < 1.0:
        raise ValueError(f"rho must be at least 0 and below 1 (got {rho!r})")
    contributions: list[float] = []
    weights: list[float] = []
    for attainment, raw_weight in reviews:
        level = _finite_float(attainment)
        if level is None or not level.is_integer() or not -2 <= level <= 2:
            raise ValueError(f"attainment must be an integer from -2 to 2 (got {attainment!r})")
        weight = _finite_float(raw_weight)
        if weight is None or weight <= 0:
            raise ValueError(f"goal weight must be greater than 0 (got {raw_weight!r})")
        contributions.append(weight * level)
        weights.append(weight)
    if not weights:
        return None
    sum_sq = math.fsum(w * w for w in weights)
    sum_w = math.fsum(weights)
    # Same as (1-rho)*sum_sq + rho*sum_w**2, without the rounding that 1-rho introduces.
    variance = sum_sq + checked_rho * (sum_w * sum_w - sum_sq)
    return 50.0 + 10.0 * math.fsum(contributions) / math.sqrt(variance)


# --- Reporting periods ------------------------------------------------------


def period_number(period: str) -> int:
    """Return a count of quarters since year 0 for a checked period string."""
    text = parse_period(period)
    return int(text[:4]) * 4 + int(text[5]) - 1


def period_from_number(number: int) -> str:
    """Return the period string for a quarter count, refusing years outside 1900-2999."""
    year, quarter_index = divmod(number, 4)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"periods run from {FIRST_YEAR}Q1 to {LAST_YEAR}Q4")
    return f"{year}Q{quarter_index + 1}"


def parse_period(text: str) -> str:
    """Return text unchanged if it is a period of the form YYYYQn, else raise ValueError."""
    digits = "0123456789"
    if (
        not isinstance(text, str)
        or len(text) != 6
        or text[4] != "Q"
        or any(char not in digits for char in text[:4])
        or text[5] not in "1234"
        or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR
    ):
        raise ValueError(PERIOD_FORMAT_MESSAGE)
    return text


def period_of(day: date) -> str:
    """Return the calendar quarter containing day, e.g. "2026Q3"."""
    return period_from_number(day.year * 4 + (day.month - 1) // 3)


def period_bounds(period: str) -> tuple[date, date]:
    """Return the first and last day (both inclusive) of a period."""
    number = period_number(period)
    year, quarter_index = divmod(number, 4)
    # Built directly rather than via next_period so 2999Q4 can still end on 31 December.
    next_year, next_index = divmod(number + 1, 4)
    first = date(year, quarter_index * 3 + 1, 1)
    return first, date(next_year, next_index * 3 + 1, 1) - timedelta(days=1)


def previous_period(period: str) -> str:
    """Return the quarter before period."""
    return period_from_number(period_number(period) - 1)


def next_period(period: str) -> str:
    """Return the quarter after period."""
    return period_from_number(period_number(period) + 1)


def periods_between(first: str, last: str) -> list[str]:
    """Return the periods from first to last inclusive, empty when first is after last."""
    return [period_from_number(n) for n in range(period_number(first), period_number(last) + 1)]


def recent_periods(last: str, n: int) -> list[str]:
    """Return the n periods ending at last, oldest first."""
    if n < 0:
        raise ValueError(f"number of periods must not be negative (got {n})")
    end = period_number(last)
    return [period_from_number(number) for number in range(end - n + 1, end + 1)]


# --- Summary statistics -----------------------------------------------------


@dataclass(frozen=True)
class Quartiles:
    """Median and quartiles of a set of values, all None when there are no values."""

    median: float | None
    q1: float | None
    q3: float | None


def quartiles(values: Iterable[float]) -> Quartiles:
    """Return median, q1 and q3 interpolated like PostgreSQL percentile_cont."""
    data = [float(value) for value in values]
    if not data:
        return Quartiles(None, None, None)
    if len(data) == 1:
        # statistics.quantiles needs two points before Python 3.13; one point is its own quantile.
        return Quartiles(data[0], data[0], data[0])
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Quartiles(median, q1, q3)


def index_change(index: float | None, previous: float | None) -> float | None:
    """Return index - previous to ``CHANGE_PLACES`` decimals, None when either is unknown."""
    if index is None or previous is None:
        return None
    return _to_change_places(index - previous)


def _to_change_places(change: float) -> float:
    """Return change rounded to ``CHANGE_PLACES`` decimals, so 70/3 - 40/3 (9.999999999999998)
    is 10.0. Done as round(x * 1e9) / 1e9 in double precision, which PostgreSQL's float8
    ``round`` repeats bit for bit in the set-based rebuild (``indicators.summary_sql``)."""
    if not math.isfinite(change):
        return change
    return round(change * _CHANGE_SCALE) / _CHANGE_SCALE


def direction_of(change: float | None) -> str | None:
    """Return "improved", "declined" or "stable" for a change in index points, None if unknown."""
    if change is None:
        return None
    change = _to_change_places(change)
    if change >= CHANGE_THRESHOLD:
        return "improved"
    if change <= -CHANGE_THRESHOLD:
        return "declined"
    return "stable"


def perspective_gap(
    patient_side: Mapping[str, float], clinician: Mapping[str, float]
) -> float | None:
    """Return the mean absolute patient-clinician difference over shared keys, None if none."""
    shared = [key for key in patient_side if key in clinician]
    if not shared:
        return None
    return math.fsum(abs(patient_side[key] - clinician[key]) for key in shared) / len(shared)
