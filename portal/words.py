"""How the patient portal puts figures into plain words. Plain Python: no Django import.

Patients answer on 0 to 10, so their scores are shown on 0 to 10 too: the stored 0–100 index is
written by ``indicators.presentation.score_text`` (73.5 is 7.4, as a clinician's 74), the one
rounding rule of every page. Quarters are named by their months and season, never as "2026Q3".
A questionnaire's results are written on the questionnaire's own scale ("Life satisfaction: 7
out of 10 (high)"), never with a clinical label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indicators.presentation import score_text
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


@dataclass(frozen=True)
class Reading:
    """The plain-language reading of a patient's scores over time."""

    headline: str
    detail: str


def progress_reading(
    scores: Sequence[tuple[str, float | None]], *, own_priorities: bool
) -> Reading:
    """Say in a sentence how things are going, comparing the latest score with the one before.

    ``scores`` are (period, stored 0–100 index) oldest first; quarters without a score are skipped.
    A change counts as better or worse at the summaries' threshold of 10 index points (1 out of
    10), on the stored values, as the clinician's "improved" and "declined" do.
    """
    what = "Things that matter most to you" if own_priorities else "Things overall"
    shown = [(period, score) for period, score in scores if score is not None]
    if not shown:
        return Reading(
            "You have no scores yet.",
            "Your scores appear here after you answer the questions in How things are going.",
        )
    latest_period, latest = shown[-1]
    now = f"In {period_words(latest_period)} your score was {score_text(latest)} out of 10."
    if len(shown) == 1:
        return Reading(
            now,
            "This is your first score. When you answer again, you will see how things change.",
        )
    before_period, before = shown[-2]
    change = latest - before
    if change >= CHANGE_THRESHOLD:
        headline = f"{what} are going better than in {period_season(before_period)}."
    elif change <= -CHANGE_THRESHOLD:
        headline = f"{what} are not going as well as in {period_season(before_period)}."
    else:
        headline = f"{what} are going about the same as in {period_season(before_period)}."
    return Reading(headline, f"{now} Before that it was {score_text(before)} out of 10.")


# --- Who has seen my record -------------------------------------------------------------------

ACCESS_ACTIONS = {
    "view": "looked at your record",
    "create": "added to your record",
    "update": "changed your record",
    "export": "made a copy of your whole record",
    "denied": "tried to open your record and was refused",
}
ACCESS_PARTS = {
    "patient record": "your record page",
    "patient": "your details",
    "encounter form": "the form for an appointment",
    "encounter": "an appointment",
    "encounters": "your appointments",
    "supporting records": "your conditions and targets",
    "summaries": "the summaries of how things are going",
    "goal reviews": "how your goals are going",
    "goal review": "how a goal is going",
    "personal target": "a target for one of your test results",
    "portal invitation": "your invitation to this website",
    "FHIR $everything": "to share with another health system",
    "FHIR import": "test results from another health system",
    "conditions": "your health conditions",
    "context events": "things that happened in your life or health",
    "personal items": "the things you added yourself",
    "ratings": "your answers on how things are going",
    "priorities": "what matters most to you",
    "goals": "your goals",
    "readings": "your test results",
    "sign-in help": "help to sign in, sent to your email",
    "sign-in letter": "a printed letter to help you sign in",
    "portal login": "your login to this website",
}
# A life event may be kept from the patient ("staff only"): saying that one was added or changed
# would tell them it exists, so those writes are worded like any other change to the record.
UNNAMED_WHEN_WRITTEN = frozenset({"context event", "context events"})
ACCESS_ROLES = {"clinician": "clinician", "manager": "service manager", "admin": "administrator"}


def accessor_words(*, name: str | None, role: str, is_you: bool) -> str:
    """Who it was, as a patient would say it. Another patient is never named."""
    if is_you:
        return "You"
    if role == "patient":
        return "Another patient"
    if role == "anonymous" or not name:
        return "Someone who was not signed in"
    return f"{name}, {ACCESS_ROLES.get(role, role)}"


def access_words(*, action: str, what: str) -> str:
    """What they did, and to which part when we can say it plainly."""
    words = ACCESS_ACTIONS.get(action, "opened your record")
    part = ACCESS_PARTS.get(what) or (
        "a summary of a season" if what.startswith("summary ") else None
    )
    if action in ("create", "update") and what in UNNAMED_WHEN_WRITTEN:
        part = None
    return f"{words} ({part})" if part and action != "denied" else words


# --- Questionnaires from the care team ----------------------------------------------------------

QUESTIONS_A_MINUTE = 4


def minutes_words(questions: int) -> str:
    """How long a questionnaire takes, roughly: "about 1 minute" for up to four questions."""
    minutes = max(1, math.ceil(questions / QUESTIONS_A_MINUTE))
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


@dataclass(frozen=True)
class ScorePart:
    """One result of a questionnaire as the patient reads it: its ``key`` in the scores, its
    name in plain words, its scale, and which way is better."""

    key: str
    name: str
    low: int
    high: int
    higher_is_better: bool = True


SCORE_PARTS: dict[str, tuple[ScorePart, ...]] = {
    "ONS4": (
        ScorePart("life_satisfaction", "Life satisfaction", 0, 10),
        ScorePart("worthwhile", "Feeling that what you do is worthwhile", 0, 10),
        ScorePart("happiness", "Happiness", 0, 10),
        ScorePart("anxiety", "Anxiety", 0, 10, higher_is_better=False),
    ),
    "SEMCD6": (ScorePart("score", "Confidence in managing your health", 1, 10),),
    "PHQ2": (ScorePart("score", "Low mood and little interest", 0, 6, higher_is_better=False),),
    "GAD2": (ScorePart("score", "Feeling worried or on edge", 0, 6, higher_is_better=False),),
    "COLLABORATE": (ScorePart("mean", "How much your care team involved you", 0, 9),),
    "EQ5D5L": (
        ScorePart("level_sum", "Problems with your health", 5, 25, higher_is_better=False),
        ScorePart("vas", "Your health today", 0, 100),
    ),
    "SWEMWBS": (ScorePart("raw", "Mental wellbeing", 7, 35),),
}


def number_words(value: float) -> str:
    """A result as a number to read: whole numbers as they are, others to one decimal place."""
    return f"{round(value, 1):g}"


def scale_words(part: ScorePart) -> str:
    """ "out of 10", or "on a scale from 5 to 25" where the scale does not start at 0 or 1."""
    if part.low in (0, 1):
        return f"out of {part.high}"
    return f"on a scale from {part.low} to {part.high}"


def part_value(part: ScorePart, scores: Mapping[str, object]) -> float | None:
    """The number of one result, or None when there is none (not enough answers)."""
    value = scores.get(part.key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def part_words(part: ScorePart, scores: Mapping[str, object]) -> str | None:
    """ "Life satisfaction: 7 out of 10 (high)": the band in words where the questionnaire has
    bands; None when there is no result."""
    value = part_value(part, scores)
    if value is None:
        return None
    text = f"{part.name}: {number_words(value)} {scale_words(part)}"
    band = scores.get(f"{part.key}_band")
    return f"{text} ({band})" if isinstance(band, str) and band else text


def better_words(parts: Sequence[ScorePart]) -> str:
    """Which way is better, for every result of a questionnaire, in one or two sentences."""
    higher = [p.name.lower() for p in parts if p.higher_is_better]
    lower = [p.name.lower() for p in parts if not p.higher_is_better]
    if len(parts) == 1:
        return "A higher number is better." if higher else "A lower number is better."
    sentences = []
    if higher:
        sentences.append(f"A higher number is better for {_listed(higher)}.")
    if lower:
        sentences.append(f"A lower number is better for {_listed(lower)}.")
    return " ".join(sentences)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
