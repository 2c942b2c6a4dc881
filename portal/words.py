"""How the patient portal puts figures into plain words. Plain Python apart from Django's gettext,
so every sentence is in the patient's language (the English text is the message id).

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

from django.utils.dates import MONTHS
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from indicators.presentation import score_text
from indicators.scoring import direction_of, index_change, parse_period

# The season most of each quarter falls in: its name alone, capitalised for a chart's axis, and
# "the spring" inside a sentence (languages differ in whether "the" is needed).
SEASONS = (
    gettext_lazy("winter"),
    gettext_lazy("spring"),
    gettext_lazy("summer"),
    gettext_lazy("autumn"),
)
SEASONS_IN_A_SENTENCE = (
    gettext_lazy("the winter"),
    gettext_lazy("the spring"),
    gettext_lazy("the summer"),
    gettext_lazy("the autumn"),
)


def period_words(period: str) -> str:
    """ "2026Q2" → "April to June 2026"."""
    text = parse_period(period)
    quarter = int(text[5]) - 1
    return _("%(first)s to %(last)s %(year)s") % {
        "first": MONTHS[3 * quarter + 1],
        "last": MONTHS[3 * quarter + 3],
        "year": text[:4],
    }


def period_short(period: str) -> str:
    """ "2026Q2" → "Spring 2026", short enough for a chart's axis on a phone."""
    text = parse_period(period)
    return f"{str(SEASONS[int(text[5]) - 1]).capitalize()} {text[:4]}"


def period_season(period: str) -> str:
    """ "2026Q2" → "the spring (April to June 2026)"."""
    quarter = int(parse_period(period)[5]) - 1
    return f"{SEASONS_IN_A_SENTENCE[quarter]} ({period_words(period)})"


def decimal(text: str) -> str:
    """A number written with the language's decimal sign: "7.4" in English, "7,4" in Dutch."""
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def portal_score(value: float) -> str:
    """A stored 0–100 index out of 10, by the one rounding rule, in the patient's language."""
    return decimal(score_text(value))


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
    shown = [(period, score) for period, score in scores if score is not None]
    if not shown:
        return Reading(
            _("You have no scores yet."),
            _("Your scores appear here after you answer the questions in How things are going."),
        )
    latest_period, latest = shown[-1]
    now = _("In %(period)s your score was %(score)s out of 10.") % {
        "period": period_words(latest_period),
        "score": portal_score(latest),
    }
    if len(shown) == 1:
        return Reading(
            now,
            _("This is your first score. When you answer again, you will see how things change."),
        )
    before_period, before = shown[-2]
    direction = direction_of(index_change(latest, before))
    when = {"season": period_season(before_period)}
    if direction == "improved":
        headline = (
            _("Things that matter most to you are going better than in %(season)s.")
            if own_priorities
            else _("Things overall are going better than in %(season)s.")
        )
    elif direction == "declined":
        headline = (
            _("Things that matter most to you are not going as well as in %(season)s.")
            if own_priorities
            else _("Things overall are not going as well as in %(season)s.")
        )
    else:
        headline = (
            _("Things that matter most to you are going about the same as in %(season)s.")
            if own_priorities
            else _("Things overall are going about the same as in %(season)s.")
        )
    before_words = _("Before that it was %(score)s out of 10.") % {"score": portal_score(before)}
    return Reading(headline % when, f"{now} {before_words}")


# --- Who has seen my record -------------------------------------------------------------------

# The audit row of a login made from an invitation link (``what``).
INVITATION_USED = "portal login from invitation"
ACCESS_ACTIONS = {
    "view": gettext_lazy("looked at your record"),
    "create": gettext_lazy("added to your record"),
    "update": gettext_lazy("changed your record"),
    "export": gettext_lazy("made a copy of your whole record"),
    "denied": gettext_lazy("tried to open your record and was refused"),
}
ACCESS_PARTS = {
    "patient record": gettext_lazy("your record page"),
    "patient": gettext_lazy("your details"),
    "encounter form": gettext_lazy("the form for an appointment"),
    "encounter": gettext_lazy("an appointment"),
    "encounters": gettext_lazy("your appointments"),
    "supporting records": gettext_lazy("your conditions and targets"),
    "summaries": gettext_lazy("the summaries of how things are going"),
    "goal reviews": gettext_lazy("how your goals are going"),
    "goal review": gettext_lazy("how a goal is going"),
    "personal target": gettext_lazy("a target for one of your test results"),
    "portal invitation": gettext_lazy("your invitation to this website"),
    "FHIR $everything": gettext_lazy("to share with another health system"),
    "FHIR import": gettext_lazy("test results from another health system"),
    "conditions": gettext_lazy("your health conditions"),
    "context events": gettext_lazy("things that happened in your life or health"),
    "personal items": gettext_lazy("the things you added yourself"),
    "ratings": gettext_lazy("your answers on how things are going"),
    "priorities": gettext_lazy("what matters most to you"),
    "goals": gettext_lazy("your goals"),
    "readings": gettext_lazy("your test results"),
    "sign-in help": gettext_lazy("help to sign in, sent to your email"),
    "sign-in letter": gettext_lazy("a printed letter to help you sign in"),
    "portal login": gettext_lazy("your login to this website"),
    INVITATION_USED: gettext_lazy("your login to this website"),
}
# A life event may be kept from the patient ("staff only"): saying that one was added or changed
# would tell them it exists, so those writes are worded like any other change to the record.
UNNAMED_WHEN_WRITTEN = frozenset({"context event", "context events"})
ACCESS_ROLES = {
    "clinician": gettext_lazy("clinician"),
    "manager": gettext_lazy("service manager"),
    "admin": gettext_lazy("administrator"),
}


def accessor_words(*, name: str | None, role: str, is_you: bool, what: str = "") -> str:
    """Who it was, as a patient would say it. Another patient is never named."""
    if is_you:
        return _("You")
    if role == "patient":
        return _("Another patient")
    if role == "anonymous" and what == INVITATION_USED:
        return _("Someone using your invitation link")
    if role == "anonymous" or not name:
        return _("Someone who was not signed in")
    return f"{name}, {ACCESS_ROLES.get(role, role)}"


def access_words(*, action: str, what: str) -> str:
    """What they did, and to which part when we can say it plainly."""
    words = str(ACCESS_ACTIONS.get(action) or _("opened your record"))
    part = ACCESS_PARTS.get(what) or (
        _("a summary of a season") if what.startswith("summary ") else None
    )
    if action in ("create", "update") and what in UNNAMED_WHEN_WRITTEN:
        part = None
    return f"{words} ({part})" if part and action != "denied" else words


# --- Questionnaires from the care team ----------------------------------------------------------

QUESTIONS_A_MINUTE = 4


def minutes_words(questions: int) -> str:
    """How long a questionnaire takes, roughly: "about 1 minute" for up to four questions."""
    minutes = max(1, math.ceil(questions / QUESTIONS_A_MINUTE))
    return ngettext("about %(minutes)d minute", "about %(minutes)d minutes", minutes) % {
        "minutes": minutes
    }


@dataclass(frozen=True)
class ScorePart:
    """One result of a questionnaire as the patient reads it: its ``key`` in the scores, its
    name in plain words, its scale, and which way is better."""

    key: str
    name: str | Promise  # translated when shown
    low: int
    high: int
    higher_is_better: bool = True


SCORE_PARTS: dict[str, tuple[ScorePart, ...]] = {
    "ONS4": (
        ScorePart("life_satisfaction", gettext_lazy("Life satisfaction"), 0, 10),
        ScorePart("worthwhile", gettext_lazy("Feeling that what you do is worthwhile"), 0, 10),
        ScorePart("happiness", gettext_lazy("Happiness"), 0, 10),
        ScorePart("anxiety", gettext_lazy("Anxiety"), 0, 10, higher_is_better=False),
    ),
    "SEMCD6": (ScorePart("score", gettext_lazy("Confidence in managing your health"), 1, 10),),
    "PHQ2": (
        ScorePart(
            "score", gettext_lazy("Low mood and little interest"), 0, 6, higher_is_better=False
        ),
    ),
    "GAD2": (
        ScorePart(
            "score", gettext_lazy("Feeling worried or on edge"), 0, 6, higher_is_better=False
        ),
    ),
    "COLLABORATE": (ScorePart("mean", gettext_lazy("How much your care team involved you"), 0, 9),),
    "EQ5D5L": (
        ScorePart(
            "level_sum", gettext_lazy("Problems with your health"), 5, 25, higher_is_better=False
        ),
        ScorePart("vas", gettext_lazy("Your health today"), 0, 100),
    ),
    "SWEMWBS": (ScorePart("raw", gettext_lazy("Mental wellbeing"), 7, 35),),
}


def number_words(value: float) -> str:
    """A result as a number to read: whole numbers as they are, others to one decimal place."""
    return decimal(f"{round(value, 1):g}")


def scale_words(part: ScorePart) -> str:
    """ "out of 10", or "on a scale from 5 to 25" where the scale does not start at 0 or 1."""
    if part.low in (0, 1):
        return _("out of %(high)s") % {"high": part.high}
    return _("on a scale from %(low)s to %(high)s") % {"low": part.low, "high": part.high}


def part_value(part: ScorePart, scores: Mapping[str, object]) -> float | None:
    """The number of one result, or None when there is none (not enough answers)."""
    value = scores.get(part.key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


# A questionnaire's band (ONS4) in the patient's words: the stored value stays the English code.
BAND_WORDS = {
    "very low": pgettext_lazy("instrument band", "very low"),
    "low": pgettext_lazy("instrument band", "low"),
    "medium": pgettext_lazy("instrument band", "medium"),
    "high": pgettext_lazy("instrument band", "high"),
    "very high": pgettext_lazy("instrument band", "very high"),
}


def part_words(part: ScorePart, scores: Mapping[str, object]) -> str | None:
    """ "Life satisfaction: 7 out of 10 (high)": the band in words where the questionnaire has
    bands; None when there is no result."""
    value = part_value(part, scores)
    if value is None:
        return None
    text = _("%(name)s: %(number)s %(scale)s") % {
        "name": part.name,
        "number": number_words(value),
        "scale": scale_words(part),
    }
    band = scores.get(f"{part.key}_band")
    return f"{text} ({BAND_WORDS.get(band, band)})" if isinstance(band, str) and band else text


def better_words(parts: Sequence[ScorePart]) -> str:
    """Which way is better, for every result of a questionnaire, in one or two sentences."""
    higher = [str(p.name).lower() for p in parts if p.higher_is_better]
    lower = [str(p.name).lower() for p in parts if not p.higher_is_better]
    if len(parts) == 1:
        return _("A higher number is better.") if higher else _("A lower number is better.")
    sentences = []
    if higher:
        sentences.append(_("A higher number is better for %(names)s.") % {"names": _listed(higher)})
    if lower:
        sentences.append(_("A lower number is better for %(names)s.") % {"names": _listed(lower)})
    return " ".join(sentences)


def _listed(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}
