"""The dashboards' Instruments page as shown: a team's stored instrument figures, one plain table
per instrument, with its name, its licence notice and what its score means.

Nothing here queries the database: the stored figures come from ``indicators.selectors`` and
the names and notices from the pure catalogue (``assessments.instruments``). Numbers are written
by ``indicators.presentation`` and a withheld figure by the words of ``indicators.dashboard``.
No rank and no colour: each instrument is shown in the catalogue's order, on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.instruments import INSTRUMENTS, instrument

from . import presentation
from .dashboard import WITHHELD_WORDS, in_page_language
from .instrument_figures import COLLABORATE, INDICATIVE_BELOW
from .small_numbers import FEWER_THAN_5

# What each instrument's main score is, in words, with its scale and which way is better.
MAIN_SCORE_WORDS = {
    "ONS4": _("Life satisfaction, 0 to 10 (higher is better)"),
    "SEMCD6": _("Score, 1 to 10 (higher means more confident)"),
    "PHQ2": _("Score, 0 to 6 (3 or more is a positive screen)"),
    "GAD2": _("Score, 0 to 6 (3 or more is a positive screen)"),
    COLLABORATE: _("Mean of the three answers, 0 to 9 (higher means more involved in decisions)"),
    "EQ5D5L": _("Level sum, 5 to 25 (higher means more problems)"),
    "SWEMWBS": _("Raw score, 7 to 35 (higher is better)"),
}
SHARE_WORDS = {
    "share_positive": _("Patients who screened positive"),
    "top_score_share": _("Patients who gave the top score on all three questions"),
}


def _indicative_note() -> str:
    return gettext("Indicative: fewer than %(number)s responses") % {"number": INDICATIVE_BELOW}


INDICATIVE_NOTE = lazy(_indicative_note, str)()


@dataclass(frozen=True)
class Line:
    """One row of an instrument's table: what it is and the figure as a cell writes it."""

    label: str
    text: str


@dataclass(frozen=True)
class InstrumentShown:
    code: str
    name: str
    notice: str
    score_words: str
    lines: list[Line]
    indicative: bool


def _cell(value: Any, reason: str, write: Any) -> str:
    if value is None:
        return str(WITHHELD_WORDS[reason or FEWER_THAN_5][0])
    return in_page_language(str(write(value)))


def instruments_shown(stored_figures: dict | None) -> list[InstrumentShown] | None:
    """The instruments of a stored quarter as the page shows them; None when the summary was
    stored before instruments were summarised."""
    if not stored_figures or "instruments" not in stored_figures:
        return None
    stored = stored_figures["instruments"]
    reasons = stored_figures.get("suppressed_reasons", {})
    shown = []
    for code in INSTRUMENTS:
        if code not in stored:
            continue
        figures, form = stored[code], instrument(code)

        def why(name: str, code: str = code) -> str:
            return str(reasons.get(f"instruments.{code}.{name}", ""))

        score = presentation.instrument_score_text
        spread = (
            gettext("%(low)s to %(high)s")
            % {
                "low": in_page_language(score(figures["q1"])),
                "high": in_page_language(score(figures["q3"])),
            }
            if figures.get("q1") is not None and figures.get("q3") is not None
            else _cell(None, why("q1"), score)
        )
        lines = [
            Line(
                gettext("Patients who answered"),
                _cell(figures["n"], why("n"), presentation.count_text),
            ),
            Line(gettext("Median"), _cell(figures["median"], why("median"), score)),
            Line(gettext("Middle half of patients"), spread),
        ]
        lines += [
            Line(str(words), _cell(figures[name], why(name), presentation.percent_text))
            for name, words in SHARE_WORDS.items()
            if name in figures
        ]
        shown.append(
            InstrumentShown(
                code=code,
                name=form.name,
                notice=form.licence.notice,
                score_words=str(MAIN_SCORE_WORDS.get(code, form.main_score)),
                lines=lines,
                indicative=bool(figures.get("indicative")),
            )
        )
    return shown
