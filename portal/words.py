"""How the patient portal puts figures into plain words. Plain Python: no Django import.

Patients answer on 0 to 10, so their scores are shown on 0 to 10 too: the stored 0–100 index is
written by ``indicators.presentation.score_text`` (73.5 is 7.4, as a clinician's 74), the one
rounding rule of every page. Quarters are named by their months and season, never as "2026Q3".
"""

from __future__ import annotations

from collections.abc import Sequence
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
