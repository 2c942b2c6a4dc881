"""How the patient portal puts figures into plain words. Plain Python: no Django import.

Patients answer on 0 to 10, so their scores are shown on 0 to 10 too (the stored index is 0–100).
Quarters are named by their months and season, never as "2026Q3".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.scoring import CHANGE_THRESHOLD, parse_period

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SEASONS = ("winter", "spring", "summer", "autumn")  # the season most of each quarter falls in
# A change of this much on the 0–10 scale is the same as the summaries' 10 index points.
CHANGE_ON_TEN = CHANGE_THRESHOLD / 10


def period_words(period: str) -> str:
    """ "2026Q2" → "April to June 2026"."""
    text = parse_period(period)
    quarter = int(text[5]) - 1
    return f"{MONTHS[3 * quarter]} to {MONTHS[3 * quarter + 2]} {text[:4]}"


def period_short(period: str) -> str:
    """ "2026Q2" → "Spring 2026", short enough for a chart's axis on a phone."""
    text = parse_period(period)
    return f"{SEASONS[int(text[5]) - 1].capitalize()} {text[:4]}"


def period_season(period: str) -> str:
    """ "2026Q2" → "the spring (April to June 2026)"."""
    quarter = int(parse_period(period)[5]) - 1
    return f"the {SEASONS[quarter]} ({period_words(period)})"


def on_ten(index: float | None) -> float | None:
    """A 0–100 index as the 0–10 scale patients answer on."""
    return None if index is None else index / 10


@dataclass(frozen=True)
class Reading:
    """The plain-language reading of a patient's scores over time."""

    headline: str
    detail: str


def progress_reading(
    scores: Sequence[tuple[str, float | None]], *, own_priorities: bool
) -> Reading:
    """Say in a sentence how things are going, comparing the latest score with the one before.

    ``scores`` are (period, score on 0–10) oldest first; quarters without a score are skipped.
    """
    what = "Things that matter most to you" if own_priorities else "Things overall"
    shown = [(period, score) for period, score in scores if score is not None]
    if not shown:
        return Reading(
            "You have no scores yet.",
            "Your scores appear here after you answer the questions in How things are going.",
        )
    latest_period, latest = shown[-1]
    now = f"In {period_words(latest_period)} your score was {latest:.1f} out of 10."
    if len(shown) == 1:
        return Reading(
            now,
            "This is your first score. When you answer again, you will see how things change.",
        )
    before_period, before = shown[-2]
    change = latest - before
    if change >= CHANGE_ON_TEN:
        headline = f"{what} are going better than in {period_season(before_period)}."
    elif change <= -CHANGE_ON_TEN:
        headline = f"{what} are not going as well as in {period_season(before_period)}."
    else:
        headline = f"{what} are going about the same as in {period_season(before_period)}."
    return Reading(headline, f"{now} Before that it was {before:.1f} out of 10.")
