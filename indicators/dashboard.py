"""The dashboards' view-model: stored group figures shaped for pages and the CSV export.

A ``Figure`` is one stored figure of one quarter as it is shown: its value written by
``indicators.presentation``'s one rule, or, when it is withheld, the words saying why (the
small-number rule and its words are ``indicators.small_numbers``). ``FigureSpec`` says what each
figure is and where it is stored; ``quarter_figures`` gives a quarter's figures by name for the
overview, context and caseload pages, ``priorities_shown`` and ``context_shown`` the "what
matters" and context lines, and ``quarter_chosen``/``trend_window`` which quarters a page shows.
Nothing here queries the database: the stored figures come from ``indicators.selectors``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.http import Http404
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext_lazy

from patients.models import ContextEvent

from . import presentation
from .figures import DOMAINS, PERSONAL
from .scoring import parse_period, recent_periods
from .small_numbers import (
    FEWER_THAN_5,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    SMALL_NUMBER,
    is_small_count,
    too_few,
)

TREND_QUARTERS = 8
# Rendered blocks of figures are kept this long in the ``fragments`` cache (``figures_key``).
FRAGMENT_SECONDS = 24 * 3600


def figures_key(stored_figures: object, names: dict[str, str], *shown: object) -> str:
    """The key of a rendered block of figures: it changes whenever anything the block shows
    could, so a cached block is never out of date. It is worked out from the stored figures
    themselves (a quarter's, or a list of quarters'), the names they are labelled with, the
    page's language and whatever else the block shows (``shown``: a team, a quarter). Reading
    the figures and rendering them again costs a dashboard more than all its queries; the key
    costs a fraction of a millisecond."""
    content = [stored_figures, names, get_language(), *map(str, shown)]
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _(text: str) -> str:
    """Marked for translation and translated when shown, in the language of the page then drawn
    (a lazy string that reads as a ``str``; the CSV export writes it in English)."""
    return cast(str, gettext_lazy(text))


def fewer_than_words() -> str:
    """The small-number rule's words in the page's language: "fewer than 5" in English."""
    return gettext("fewer than %(number)s") % {"number": SMALL_NUMBER}


def _withheld_unknown_words() -> str:
    return gettext("hidden: %(fewer_than)s, or so that a smaller number cannot be worked out") % {
        "fewer_than": fewer_than_words()
    }


# The words of the page's language, worked out when a page is drawn (the CSV keeps English: its
# own words are indicators.exports').
SMALL = lazy(fewer_than_words, str)()
HIDDEN = cast(str, pgettext_lazy("a figure not shown", "hidden"))
NO_EARLIER = _("no earlier quarter")
NO_SUMMARY = _("no summary")
# Stored before reasons were kept (rebuilt every night): it may be either, so it says both.
WITHHELD_UNKNOWN = "withheld"

# A hidden figure as a table cell writes it, and as a sentence explains it.
WITHHELD_WORDS: dict[str, tuple[str, str]] = {
    FEWER_THAN_5: (SMALL, SMALL),
    PROTECTS_SMALLER: (HIDDEN, _("hidden, so that a smaller number cannot be worked out")),
    NO_EARLIER_QUARTER: (NO_EARLIER, _("no earlier quarter to compare with")),
    WITHHELD_UNKNOWN: (HIDDEN, lazy(_withheld_unknown_words, str)()),
}


def quarter_chosen(periods: list[str], asked: str | None) -> str | None:
    """The quarter a page shows: the one asked for, else the latest with a stored summary."""
    if not asked:
        return periods[-1] if periods else None
    try:
        period = parse_period(asked)
    except ValueError:
        raise Http404("No summary for that period") from None
    if period not in periods:
        raise Http404("No summary for that period")
    return period


def trend_window(period: str) -> list[str]:
    return recent_periods(period, TREND_QUARTERS)


def figures_over(stored: dict, quarters: list[str]) -> list[dict | None]:
    """The stored figures of each of ``quarters`` (summaries by quarter in ``stored``), None for
    a quarter without a summary: what a trend draws, and so what its kept block's key covers."""
    return [stored[q].figures if q in stored else None for q in quarters]


# --- Figures as shown -------------------------------------------------------------------------


# Every figure is written by indicators.presentation's one rule (half up, from the stored value).
format_index = presentation.index_text
format_share = presentation.percent_text
format_count = presentation.count_text
format_t_score = presentation.t_score_text


def in_page_language(text: str) -> str:
    """A number as written by indicators.presentation (English: "7.5", "1,234"), with the
    decimal and thousands separators of the page's language (Dutch: "7,5", "1.234")."""
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    thousands = formats.get_format("THOUSAND_SEPARATOR")
    if decimal == "." and thousands == ",":
        return text
    return "".join(decimal if c == "." else thousands if c == "," else c for c in text)


def _localised(fmt: Callable[[float], str]) -> Callable[[float], str]:
    def shown(value: float) -> str:
        return in_page_language(fmt(value))

    return shown


FORMATS: dict[str, Callable[[float], str]] = {
    "index": _localised(format_index),
    "score": _localised(format_t_score),
    "share": _localised(format_share),
    "count": _localised(format_count),
}


@dataclass(frozen=True)
class FigureSpec:
    """What a figure is, where it is stored, and how to read it."""

    key: str
    label: str  # lazily translated (see ``_``): in the language of the page that shows it
    scale: str  # index (0–100), score (T-score), share (0–1) or count
    about: str
    spread: bool = False
    guard: str = ""  # a stored count that hides a share when its numerator is small


@dataclass(frozen=True)
class Figure:
    """One figure of one quarter as a page and the CSV show it; ``value`` None when not shown,
    and then ``reason`` says why (figures.WITHHELD_REASONS, or WITHHELD_UNKNOWN)."""

    spec: FigureSpec
    value: float | None
    q1: float | None = None
    q3: float | None = None
    n: int | None = None
    suppressed: bool = False
    missing: bool = False
    reason: str = ""

    @property
    def text(self) -> str:
        """As a table cell shows it: the number, or a short word for why it is not shown."""
        if self.missing:
            return str(NO_SUMMARY)
        if self.value is None:
            return str(WITHHELD_WORDS[self.reason or FEWER_THAN_5][0])
        return FORMATS[self.spec.scale](self.value)

    @property
    def explained(self) -> str:
        """As a sentence or a list shows it: a hidden figure says why in words."""
        if self.missing or self.value is not None:
            return self.text
        return str(WITHHELD_WORDS[self.reason or FEWER_THAN_5][1])

    @property
    def range_text(self) -> str:
        if self.q1 is None or self.q3 is None:
            return ""
        fmt = FORMATS[self.spec.scale]
        return gettext("%(low)s to %(high)s") % {"low": fmt(self.q1), "high": fmt(self.q3)}


def _stored(figures: dict, key: str):
    value: Any = figures
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def withheld_reason(figures: dict, key: str) -> str:
    """Why a stored figure is null: its stored reason, or, for summaries stored before reasons
    were kept, WITHHELD_UNKNOWN."""
    reasons = figures.get("suppressed_reasons")
    if not isinstance(reasons, dict):
        return WITHHELD_UNKNOWN
    return reasons.get(key, FEWER_THAN_5)


def figure_of(figures: dict | None, spec: FigureSpec) -> Figure:
    """Read one figure from stored figures, hiding anything resting on fewer than 5 patients."""
    if figures is None:
        return Figure(spec, None, missing=True)
    stored = _stored(figures, spec.key)
    if spec.spread:
        if not isinstance(stored, dict) or stored.get("median") is None:
            return Figure(spec, None, suppressed=True, reason=FEWER_THAN_5)  # always its own n
        return Figure(spec, stored["median"], stored["q1"], stored["q3"], stored.get("n"))
    if stored is None:
        return Figure(spec, None, suppressed=True, reason=withheld_reason(figures, spec.key))
    small = spec.scale == "count" and is_small_count(stored)
    if small or (spec.guard and spec.guard in figures and figures[spec.guard] is None):
        # a count of 1 to 4 people is never shown, whatever the total; nor a share of them
        reason = withheld_reason(figures, spec.guard) if not small else FEWER_THAN_5
        return Figure(spec, None, suppressed=True, reason=reason)
    return Figure(spec, stored)


INDEX = FigureSpec(
    "index",
    _("Patient-weighted index"),
    "index",
    _(
        "Each patient rates what matters to them (0 to 10) and weights it with their own "
        "priorities; the index puts that on 0 to 100. Shown as the middle patient (median) and the "
        "range of the middle half of patients."
    ),
    spread=True,
)
COVERAGE = FigureSpec(
    "coverage",
    _("Coverage"),
    "share",
    _(
        "How much of what matters to each patient, by their own weights, was rated this quarter. "
        "Where coverage is low, the index rests on part of the picture."
    ),
    spread=True,
)
PATIENTS = FigureSpec(
    "patients",
    _("Patients counted"),
    "count",
    _("Patients of the team with any record this quarter."),
)
OWN_PRIORITIES = FigureSpec(
    "with_own_priorities",
    _("Set their own priorities"),
    "count",
    _(
        "Patients who shared out their own points over what matters; the others count every "
        "element equally."
    ),
)
IMPROVED = FigureSpec(
    "improved", _("Improved"), "count", _("Index up by 10 points or more on the previous quarter.")
)
STABLE = FigureSpec(
    "stable", _("Stable"), "count", _("Index within 10 points of the previous quarter.")
)
DECLINED = FigureSpec(
    "declined",
    _("Declined"),
    "count",
    _(
        "Index down by 10 points or more. Read it with the context: progression and life events "
        "are nobody's failure."
    ),
)
GOALS = FigureSpec(
    "goal_attainment_median",
    _("Goal attainment"),
    "score",
    _(
        "Goal Attainment Scaling T-score of the patients whose own goals were reviewed: 50 means "
        "goals went as expected, above 50 better. Median over patients."
    ),
)
PATIENT_INITIATED = FigureSpec(
    "patient_initiated_share",
    _("Patient-initiated contacts"),
    "share",
    _(
        "Patients who got in touch themselves at least once this quarter: a sign that care stays "
        "accessible when people need to come back."
    ),
    guard="patient_initiated_patients",
)
MARKERS = FigureSpec(
    "markers_in_target_share",
    _("Markers within personal targets"),
    "share",
    _(
        "Relevant biomedical markers within the range agreed with each patient, at their latest "
        "reading. One strand among the others, never the whole story."
    ),
)
CONTEXT = FigureSpec(
    "context_share",
    _("Patients with context events"),
    "share",
    _(
        "Patients with a new diagnosis, progression, admission, bereavement or other life event "
        "this quarter: changes in their picture may have little to do with the support they "
        "received."
    ),
    guard="context_patients",
)
DIRECTIONS = (IMPROVED, STABLE, DECLINED)


def domain_specs(names: dict[str, str]) -> list[FigureSpec]:
    return [
        FigureSpec(
            f"domains.{code}",
            names[code],
            "index",
            _("The same index over this domain's elements and personal items only."),
            spread=True,
        )
        for code in DOMAINS
    ]


def overview_specs(names: dict[str, str]) -> list[FigureSpec]:
    """Every figure of a quarter, in the order pages and exports give them: the headline first."""
    return [
        INDEX,
        COVERAGE,
        PATIENTS,
        OWN_PRIORITIES,
        *domain_specs(names),
        *DIRECTIONS,
        CONTEXT,
        GOALS,
        PATIENT_INITIATED,
        MARKERS,
    ]


@dataclass(frozen=True)
class Share:
    """A 'what matters' line: how many put points on it and the mean share of their points."""

    key: str
    label: str
    patients: int | None
    mean_share: float | None

    @property
    def patients_text(self) -> str:
        return str(SMALL) if self.patients is None else FORMATS["count"](self.patients)

    @property
    def share_text(self) -> str:
        return str(SMALL) if self.mean_share is None else FORMATS["share"](self.mean_share)


def priorities_shown(figures: dict | None, names: dict[str, str], elements: dict[str, str]):
    """How a group shares out its points, as shown: None when fewer than 5 set priorities."""
    stored = (figures or {}).get("priorities")
    if not stored:
        return None

    def line(key: str, label: str, held: dict | None) -> Share:
        held = held or {}
        return Share(key, label, held.get("patients"), held.get("mean_share"))

    return {
        "patients": stored["patients"],
        "domains": [line(c, names[c], stored["domains"].get(c)) for c in DOMAINS],
        "elements": [
            line(k, f"{k} {label}" if k != PERSONAL else label, stored["elements"].get(k))
            for k, label in elements.items()
        ],
        "common_items": [
            {**item, "domain_name": names.get(item["domain"], item["domain"])}
            for item in stored["common_items"]
            if not too_few(item["patients"])
        ],
        "other_items": stored.get("other_items", 0),
    }


DECLINED_WITH_CONTEXT = FigureSpec(
    "declined_context.with_context",
    _("Declined, with a context event"),
    "count",
    _("Patients whose index declined and who had a context event this quarter."),
)
DECLINED_WITHOUT_CONTEXT = FigureSpec(
    "declined_context.without_context",
    _("Declined, without a context event"),
    "count",
    _("Patients whose index declined with no context event recorded this quarter."),
)


def context_kind_spec(kind: str, label: str) -> FigureSpec:
    return FigureSpec(
        f"context_kinds.{kind}", label, "count", _("Patients with this kind of event.")
    )


def context_shown(figures: dict | None) -> dict:
    """Context events by kind and the declines with and without one, as Figures: small counts
    hidden, and each hidden one saying why."""
    kinds = (figures or {}).get("context_kinds") or {}
    return {
        "kinds": [
            # each label lazy, so in the language of the page (the CSV's English)
            figure_of(figures, context_kind_spec(kind, cast(str, label)))
            for kind, label in ContextEvent.Kind.choices
            if kind in kinds
        ],
        "declined_with_context": figure_of(figures, DECLINED_WITH_CONTEXT),
        "declined_without_context": figure_of(figures, DECLINED_WITHOUT_CONTEXT),
    }


def quarter_figures(figures: dict | None, names: dict[str, str]) -> dict:
    """The figures of one quarter, by name, for the overview and the caseload page."""

    def read(spec: FigureSpec) -> Figure:
        return figure_of(figures, spec)

    return {
        "index": read(INDEX),
        "coverage": read(COVERAGE),
        "patients": read(PATIENTS),
        "own_priorities": read(OWN_PRIORITIES),
        "domains": [read(spec) for spec in domain_specs(names)],
        "directions": [read(spec) for spec in DIRECTIONS],
        "declined": read(DECLINED),
        "context": read(CONTEXT),
        "goals": read(GOALS),
        "patient_initiated": read(PATIENT_INITIATED),
        "markers": read(MARKERS),
        "context_detail": context_shown(figures),
    }


DECLINED_SHARE = FigureSpec(
    "declined_share",
    _("Patients whose index declined"),
    "share",
    _("Declined, out of the patients with an index this quarter and the one before."),
)


def declined_share(figures: dict | None) -> Figure:
    """Declines as a share of the patients with a direction; hidden when any count is hidden,
    for the declines' own reason, or else because the share would give the hidden count back."""
    counts = [figure_of(figures, spec) for spec in (IMPROVED, STABLE, DECLINED)]
    if figures is None:
        return Figure(DECLINED_SHARE, None, missing=True)
    shown = [c.value for c in counts if c.value is not None]
    if len(shown) < len(counts):  # a count is hidden
        reason = counts[2].reason if counts[2].value is None else PROTECTS_SMALLER
        return Figure(DECLINED_SHARE, None, suppressed=True, reason=reason)
    total = sum(shown)
    if not total:
        return Figure(DECLINED_SHARE, None, suppressed=True, reason=NO_EARLIER_QUARTER)
    return Figure(DECLINED_SHARE, shown[2] / total)
