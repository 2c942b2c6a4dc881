"""How the clinician's pages say a validated instrument's results in words: its short name, each
answer option, its main score and scale, what its scores mean (band, positive screen), who
answered, and the flag of a positive screen. Pure text, no queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from assessments.instruments import INSTRUMENTS

SHORT_NAMES = {
    "ONS4": "ONS4",
    "SEMCD6": "SEMCD6",
    "PHQ2": "PHQ-2",
    "GAD2": "GAD-2",
    "COLLABORATE": "collaboRATE",
    "EQ5D5L": "EQ-5D-5L",
    "SWEMWBS": "SWEMWBS",
}


@dataclass(frozen=True)
class MainScore:
    """The score that stands for an instrument on a chart: what it is, and its scale."""

    label: str
    low: float
    high: float
    higher_is: str  # "better" or "worse", said beside the chart


MAIN_SCORES = {
    "ONS4": MainScore("Life satisfaction, 0 to 10", 0, 10, "better"),
    "SEMCD6": MainScore("Confidence, mean of the answers, 1 to 10", 1, 10, "better"),
    "PHQ2": MainScore("Score, 0 to 6 (3 or more is positive)", 0, 6, "worse"),
    "GAD2": MainScore("Score, 0 to 6 (3 or more is positive)", 0, 6, "worse"),
    "COLLABORATE": MainScore("Mean of the three answers, 0 to 9", 0, 9, "better"),
    "EQ5D5L": MainScore("Level sum, 5 to 25 (a count of problems)", 5, 25, "worse"),
    "SWEMWBS": MainScore("Raw score, 7 to 35", 7, 35, "better"),
}

RATERS = {"patient": "The patient", "proxy": "Entered on their behalf (proxy)"}


def short_name(code: str) -> str:
    return SHORT_NAMES.get(code, code)


def option_text(value: int, label: str | None) -> str:
    """An answer as a radio button shows it: the number, and its published label if it has one."""
    return f"{value} ({label})" if label else str(value)


def number_text(value: object) -> str:
    """A score as shown: whole numbers as they are, others to one decimal place."""
    if value is None or isinstance(value, bool):
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def main_score(code: str, scores: Mapping[str, object]) -> float | None:
    value = scores.get(INSTRUMENTS[code].main_score)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def scores_in_words(code: str, scores: Mapping[str, object]) -> str:
    """What the scores mean, in words (never a colour)."""
    if code in ("PHQ2", "GAD2"):
        positive = scores.get("positive")
        if positive is None:
            return "Not scored: a question was not answered"
        return "Positive: consider a fuller assessment" if positive else "Negative"
    if code == "ONS4":
        parts = [
            f"{name} {scores[f'{key}_band']}"
            for key, name in (
                ("life_satisfaction", "life satisfaction"),
                ("worthwhile", "worthwhile"),
                ("happiness", "happiness"),
                ("anxiety", "anxiety"),
            )
            if scores.get(f"{key}_band")
        ]
        return ("; ".join(parts).capitalize()) if parts else "Not scored"
    if code == "SEMCD6":
        return "—" if scores.get("score") is not None else "Not scored: 3 or more not answered"
    if code == "COLLABORATE":
        top = scores.get("top_score")
        if top is None:
            return "Not scored: a question was not answered"
        return "Top score: every effort made on all three" if top else "Below the top score"
    if code == "EQ5D5L":
        if scores.get("profile") is None:
            return "Not scored: a dimension was not answered"
        words = f"Health state {scores['profile']}"
        if scores.get("vas") is not None:
            words += f"; own health today {scores['vas']} out of 100"
        return words
    if code == "SWEMWBS":
        if scores.get("raw") is None:
            return "Not scored: a question was not answered"
        metric = scores.get("metric")
        return f"Metric score {number_text(metric)}" if metric is not None else "—"
    return "—"


def screen_flag(code: str, completed_on: dt.date, scores: Mapping[str, object]) -> str:
    """The sentence that flags a positive screen on the record."""
    return (
        f"{short_name(code)} of {completed_on.day} {completed_on:%b %Y} was positive "
        f"(score {number_text(scores.get('score'))}): consider a fuller assessment."
    )
