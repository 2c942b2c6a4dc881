"""Pure scoring: answers in, a dict of published scores out.

``score(code, answers)`` checks every answer against the instrument (an answer outside its
scale, not a whole number, or to an item the instrument does not have raises ValueError naming
it), treats None and missing keys alike as skipped, and applies the instrument's published rule,
including its rule for missing items.

Two results depend on material whose licence does not let it ship here: the EQ-5D-5L index
(a country's value set) and the SWEMWBS metric score (its Rasch conversion table). A service
that holds the licence installs each as a hook (``register_value_set``,
``register_metric_conversion``); until then those keys are None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from .catalogue import instrument
from .model import Instrument

ScoreValue = int | float | bool | str | None
Scores = dict[str, ScoreValue]
Answers = Mapping[str, int | None]
Values = dict[str, int | None]

ValueSet = Callable[[str], float]
"""An EQ-5D-5L value set: a five-digit profile such as "11223" to its index value."""
MetricConversion = Callable[[int], float]
"""SWEMWBS raw score (7–35) to its metric score, from the published conversion table."""

VALUE_SET_CODES: Final = ("EQ5D5L",)
METRIC_CONVERSION_CODES: Final = ("SWEMWBS",)
_value_sets: dict[str, ValueSet] = {}
_metric_conversions: dict[str, MetricConversion] = {}


def register_value_set(code: str, fn: ValueSet | None) -> ValueSet | None:
    """Install (or with None remove) the value set that gives ``code``'s index; returns the
    one it replaces so a caller can put it back."""
    if code not in VALUE_SET_CODES:
        raise ValueError(f"{code!r} takes no value set (only {', '.join(VALUE_SET_CODES)})")
    previous = _value_sets.pop(code, None)
    if fn is not None:
        _value_sets[code] = fn
    return previous


def register_metric_conversion(code: str, fn: MetricConversion | None) -> MetricConversion | None:
    """Install (or with None remove) the raw-to-metric conversion for ``code``; returns the one
    it replaces."""
    if code not in METRIC_CONVERSION_CODES:
        raise ValueError(
            f"{code!r} takes no metric conversion (only {', '.join(METRIC_CONVERSION_CODES)})"
        )
    previous = _metric_conversions.pop(code, None)
    if fn is not None:
        _metric_conversions[code] = fn
    return previous


def checked(form: Instrument, answers: Answers) -> Values:
    """Every item's answer by link id (None when skipped or absent), after checking each one."""
    if not isinstance(answers, Mapping):
        raise ValueError(f"answers to {form.code} must be a mapping of link id to answer")
    for link_id in answers:
        if link_id not in form.link_ids:
            raise ValueError(f"{form.code} has no item {link_id!r}")
    values: Values = {}
    for item in form.items:
        answer = answers.get(item.link_id)
        if answer is not None:
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise ValueError(
                    f"item {item.link_id} of {form.code}: {answer!r} is not a whole number"
                )
            if answer not in item.values:
                raise ValueError(
                    f"item {item.link_id} of {form.code}: {answer} is outside "
                    f"{item.lowest}–{item.highest}"
                )
        values[item.link_id] = answer
    return values


def answered(values: Values) -> list[int]:
    return [value for value in values.values() if value is not None]


# ONS4 ----------------------------------------------------------------------------------------
# Thresholds from the ONS personal well-being user guide (and ONS FOI answer on thresholds):
# life satisfaction, worthwhile, happiness: 0–4 low, 5–6 medium, 7–8 high, 9–10 very high;
# anxiety (higher is worse): 0–1 very low, 2–3 low, 4–5 medium, 6–10 high.
ONS4_KEYS: Final = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
POSITIVE_BANDS: Final = ((4, "low"), (6, "medium"), (8, "high"), (10, "very high"))
ANXIETY_BANDS: Final = ((1, "very low"), (3, "low"), (5, "medium"), (10, "high"))


def band(value: int | None, bands: tuple[tuple[int, str], ...]) -> str | None:
    if value is None:
        return None
    return next(name for upper, name in bands if value <= upper)


def score_ons4(values: Values) -> Scores:
    """Each of the four is reported on its own and never summed: ONS publishes no composite."""
    scores: Scores = {}
    for link_id, key in zip(("1", "2", "3", "4"), ONS4_KEYS, strict=True):
        value = values[link_id]
        scores[key] = value
        scores[f"{key}_band"] = band(value, ANXIETY_BANDS if key == "anxiety" else POSITIVE_BANDS)
    return scores


# SEMCD6 --------------------------------------------------------------------------------------
SEMCD6_MOST_MISSING: Final = 2


def score_semcd6(values: Values) -> Scores:
    """The mean of the items answered; not scored when more than two are missing (Stanford
    Patient Education Research Center scoring instructions, after Lorig et al. 2001)."""
    given = answered(values)
    if len(values) - len(given) > SEMCD6_MOST_MISSING:
        return {"score": None}
    return {"score": sum(given) / len(given)}


# PHQ-2 / GAD-2 -------------------------------------------------------------------------------
SCREEN_CUT_OFF: Final = 3


def score_screen(values: Values) -> Scores:
    """Sum 0–6, positive at 3 or more (Kroenke et al. 2003 for the PHQ-2; Kroenke et al. 2007
    for the GAD-2). Both None unless both items are answered: a partial sum is not a score."""
    given = answered(values)
    if len(given) < len(values):
        return {"score": None, "positive": None}
    total = sum(given)
    return {"score": total, "positive": total >= SCREEN_CUT_OFF}


# collaboRATE ---------------------------------------------------------------------------------
COLLABORATE_TOP: Final = 9


def score_collaborate(values: Values) -> Scores:
    """``top_score``: every item answered 9, the published top-box scoring (Elwyn et al. 2013;
    Barr et al. 2014); ``mean`` of the three. Both None unless all three are answered."""
    given = answered(values)
    if len(given) < len(values):
        return {"top_score": None, "mean": None}
    return {
        "top_score": all(value == COLLABORATE_TOP for value in given),
        "mean": sum(given) / len(given),
    }


# EQ-5D-5L ------------------------------------------------------------------------------------
EQ5D5L_DIMENSION_IDS: Final = ("1", "2", "3", "4", "5")


def score_eq5d5l(values: Values) -> Scores:
    """``profile``: the five levels as a five-digit health state ("11223"), the EQ-5D-5L user
    guide's descriptive result; ``level_sum``: the level sum score, 5–25 (Devlin, Parkin &
    Janssen 2020), a descriptive count of problems and not a valuation; ``vas``: the EQ VAS.
    ``index`` needs a national value set, which is licensed by the EuroQol Research Foundation
    and so is not shipped: it is None unless ``register_value_set("EQ5D5L", fn)`` installed one.
    Profile, level sum and index are None if any dimension is missing."""
    levels = [values[link_id] for link_id in EQ5D5L_DIMENSION_IDS]
    complete = [level for level in levels if level is not None]
    profile = "".join(str(level) for level in complete) if len(complete) == 5 else None
    value_set = _value_sets.get("EQ5D5L")
    return {
        "profile": profile,
        "level_sum": sum(complete) if profile is not None else None,
        "vas": values["6"],
        "index": value_set(profile) if profile is not None and value_set is not None else None,
    }


# SWEMWBS -------------------------------------------------------------------------------------


def score_swemwbs(values: Values) -> Scores:
    """``raw``: the sum of the seven items, 7–35, None if any is missing (SWEMWBS user guide).
    ``metric``: the raw score through the published Rasch conversion table, which is part of
    the licensed material: None unless ``register_metric_conversion("SWEMWBS", fn)`` installed
    it."""
    given = answered(values)
    if len(given) < len(values):
        return {"raw": None, "metric": None}
    raw = sum(given)
    conversion = _metric_conversions.get("SWEMWBS")
    return {"raw": raw, "metric": conversion(raw) if conversion is not None else None}


SCORERS: Final[dict[str, Callable[[Values], Scores]]] = {
    "ONS4": score_ons4,
    "SEMCD6": score_semcd6,
    "PHQ2": score_screen,
    "GAD2": score_screen,
    "COLLABORATE": score_collaborate,
    "EQ5D5L": score_eq5d5l,
    "SWEMWBS": score_swemwbs,
}


def score(code: str, answers: Answers) -> Scores:
    """The published scores of instrument ``code`` for ``answers`` (link id to answer; None or
    an absent key means skipped). ValueError for an unknown code, an unknown link id, or an
    answer that is not a whole number on the item's scale."""
    form = instrument(code)
    return SCORERS[form.code](checked(form, answers))
