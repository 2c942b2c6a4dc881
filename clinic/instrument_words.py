"""How the clinician's pages say a validated instrument's results in words: its short name, each
answer option, its main score and scale, what its scores mean (band, positive screen), who
answered, and the flag of a positive screen. Pure text, no queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.formats import date_format, get_format
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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

    label: str | Promise  # translated when shown
    low: float
    high: float
    higher_is: str  # "better" or "worse", said beside the chart


MAIN_SCORES = {
    "ONS4": MainScore(_("Life satisfaction, 0 to 10"), 0, 10, "better"),
    "SEMCD6": MainScore(_("Confidence, mean of the answers, 1 to 10"), 1, 10, "better"),
    "PHQ2": MainScore(_("Score, 0 to 6 (3 or more is positive)"), 0, 6, "worse"),
    "GAD2": MainScore(_("Score, 0 to 6 (3 or more is positive)"), 0, 6, "worse"),
    "COLLABORATE": MainScore(_("Mean of the three answers, 0 to 9"), 0, 9, "better"),
    "EQ5D5L": MainScore(_("Level sum, 5 to 25 (a count of problems)"), 5, 25, "worse"),
    "SWEMWBS": MainScore(_("Raw score, 7 to 35"), 7, 35, "better"),
}

# The words of a band (ONS4): the stored and exported value is the English code, the page says it
# in the reader's language.
BAND_WORDS = {
    "very low": pgettext_lazy("instrument band", "very low"),
    "low": pgettext_lazy("instrument band", "low"),
    "medium": pgettext_lazy("instrument band", "medium"),
    "high": pgettext_lazy("instrument band", "high"),
    "very high": pgettext_lazy("instrument band", "very high"),
}

RATERS = {"patient": _("The patient"), "proxy": _("Entered on their behalf (proxy)")}


def band_words(band: object) -> str:
    """A band in the page's language ("high" is "hoog" in Dutch); an unknown one as stored."""
    return str(BAND_WORDS.get(str(band), band))


def short_name(code: str) -> str:
    return SHORT_NAMES.get(code, code)


def option_text(value: int, label: str | None) -> str:
    """An answer as a radio button shows it: the number, and its published label if it has one."""
    return f"{value} ({label})" if label else str(value)


def number_text(value: object) -> str:
    """A score as shown: whole numbers as they are, others to one decimal place, with the page
    language's decimal sign."""
    if value is None or isinstance(value, bool):
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0").replace(".", get_format("DECIMAL_SEPARATOR"))
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
            return gettext("Not scored: a question was not answered")
        return (
            gettext("Positive: consider a fuller assessment") if positive else gettext("Negative")
        )
    if code == "ONS4":
        parts = [
            f"{name} {band_words(scores[f'{key}_band'])}"
            for key, name in (
                ("life_satisfaction", gettext("life satisfaction")),
                ("worthwhile", gettext("worthwhile")),
                ("happiness", gettext("happiness")),
                ("anxiety", gettext("anxiety")),
            )
            if scores.get(f"{key}_band")
        ]
        return ("; ".join(parts).capitalize()) if parts else gettext("Not scored")
    if code == "SEMCD6":
        if scores.get("score") is not None:
            return "—"
        return gettext("Not scored: 3 or more not answered")
    if code == "COLLABORATE":
        top = scores.get("top_score")
        if top is None:
            return gettext("Not scored: a question was not answered")
        if top:
            return gettext("Top score: every effort made on all three")
        return gettext("Below the top score")
    if code == "EQ5D5L":
        if scores.get("profile") is None:
            return gettext("Not scored: a dimension was not answered")
        words = gettext("Health state %(profile)s") % {"profile": scores["profile"]}
        if scores.get("vas") is not None:
            words += "; " + gettext("own health today %(vas)s out of 100") % {"vas": scores["vas"]}
        return words
    if code == "SWEMWBS":
        if scores.get("raw") is None:
            return gettext("Not scored: a question was not answered")
        metric = scores.get("metric")
        if metric is None:
            return "—"
        return gettext("Metric score %(score)s") % {"score": number_text(metric)}
    return "—"


def screen_flag(code: str, completed_on: dt.date, scores: Mapping[str, object]) -> str:
    """The sentence that flags a positive screen on the record."""
    return gettext(
        "%(instrument)s of %(date)s was positive (score %(score)s): consider a fuller assessment."
    ) % {
        "instrument": short_name(code),
        "date": date_format(completed_on, "j M Y"),
        "score": number_text(scores.get("score")),
    }
