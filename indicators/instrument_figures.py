"""A group's figures for the validated instruments, from its patients' stored latest scores.

Plain Python, no Django. Each patient summary keeps, per instrument answered in the quarter, the
scores of the latest response (``PatientSummary.instruments``). For each instrument a group
offers or answered, ``instrument_figures`` gives ``n`` (patients with a response), the median
and quartiles of the instrument's main score (``Instrument.main_score``), the share of positive
screens (instruments with a ``positive_key``) and, for collaboRATE, the share giving the top
score and whether the figure is only ``indicative`` (fewer than ``INDICATIVE_BELOW`` responses).

Every figure follows the small-number rule (``indicators.small_numbers``): a figure resting on
fewer than 5 patients is null, and a share is null when the patients it counts, or the rest of
those it is a share of, are 1 to 4 people. Each null figure has its reason under its dotted
name (``instruments.PHQ2.median``). These figures sit beside the patient-weighted index and
never enter it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments.instruments import INSTRUMENTS, instrument

from .scoring import Quartiles, quartiles
from .small_numbers import FEWER_THAN_5, PROTECTS_SMALLER, is_small_count, too_few

COLLABORATE = "COLLABORATE"
TOP_SCORE_KEY = "top_score"
INDICATIVE_BELOW = 25  # collaboRATE: fewer responses than this give an indicative figure only

Scores = Mapping[str, Any]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _share_withheld(count: int, base: int) -> str | None:
    """Why a share of ``count`` out of ``base`` patients is hidden, if it is (the rule of
    ``figures.part_withheld``, repeated here so this module stands alone)."""
    if is_small_count(count) or too_few(base):
        return FEWER_THAN_5
    if is_small_count(base - count):
        return PROTECTS_SMALLER
    return None


def instrument_codes(offered: Iterable[str], answered: Iterable[str]) -> list[str]:
    """The instruments a group's figures cover, in the catalogue's order: those it offers and
    those its patients answered (unknown codes are left out)."""
    wanted = set(offered) | set(answered)
    return [code for code in INSTRUMENTS if code in wanted]


@dataclass(frozen=True)
class InstrumentCounts:
    """What one instrument's figures in a group rest on: ``n`` patients with a response, the
    ``main`` score's spread, and for each yes/no key of the scores (``positive_key``,
    ``TOP_SCORE_KEY``) how many responses give it and how many of those say yes."""

    n: int
    main_n: int
    main: Quartiles
    flags: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # key: (yes, given)


def flag_keys(code: str) -> dict[str, str]:
    """The figure name of each yes/no score key an instrument's figures count."""
    form = instrument(code)
    flags = {}
    if form.positive_key is not None:
        flags["share_positive"] = form.positive_key
    if code == COLLABORATE:
        flags["top_score_share"] = TOP_SCORE_KEY
    return flags


def one_instrument_counts(code: str, responses: list[Scores]) -> InstrumentCounts:
    """The ``InstrumentCounts`` of one instrument from its patients' latest scores, in Python."""
    form = instrument(code)
    main = [v for r in responses if (v := _number(r.get(form.main_score))) is not None]
    flags = {}
    for key in flag_keys(code).values():
        given = [r[key] for r in responses if isinstance(r.get(key), bool)]
        flags[key] = (sum(given), len(given))
    return InstrumentCounts(len(responses), len(main), quartiles(main), flags)


def one_instrument(code: str, responses: list[Scores]) -> tuple[dict[str, Any], dict[str, str]]:
    """The figures of one instrument from its patients' latest scores, and why any is null."""
    return one_instrument_of(code, one_instrument_counts(code, responses))


def one_instrument_of(code: str, counts: InstrumentCounts) -> tuple[dict[str, Any], dict[str, str]]:
    """The figures of one instrument from its ``InstrumentCounts``, and why any is null."""
    form = instrument(code)
    reasons: dict[str, str] = {}
    n = counts.n
    figure: dict[str, Any] = {"n": n, "main_score": form.main_score}

    def withhold(name: str, reason: str) -> None:
        figure[name] = None
        reasons[name] = reason

    if too_few(n):
        withhold("n", FEWER_THAN_5)
    q = counts.main
    figure.update(median=q.median, q1=q.q1, q3=q.q3)
    if too_few(counts.main_n):
        for name in ("median", "q1", "q3"):
            withhold(name, FEWER_THAN_5)

    if code == COLLABORATE:
        figure["indicative"] = n < INDICATIVE_BELOW
    for name, key in flag_keys(code).items():
        count, given = counts.flags.get(key, (0, 0))
        reason = FEWER_THAN_5 if too_few(n) else _share_withheld(count, given)
        figure[name] = count / given if given else None
        if reason:
            withhold(name, reason)
    return figure, reasons


def instrument_counts(latest: Iterable[Mapping[str, Scores]]) -> dict[str, InstrumentCounts]:
    """The ``InstrumentCounts`` of each known instrument a group's patients answered, from each
    patient's latest scores by instrument code, in Python."""
    by_code: dict[str, list[Scores]] = {}
    for scores_by_code in latest:
        for code, scores in scores_by_code.items():
            by_code.setdefault(code, []).append(scores)
    return {
        code: one_instrument_counts(code, by_code[code]) for code in instrument_codes((), by_code)
    }


def instrument_figures(
    latest: Iterable[Mapping[str, Scores]], *, offered: Iterable[str] = ()
) -> dict[str, Any]:
    """``instruments`` (code to its figures) and ``suppressed_reasons`` (dotted names) for a
    group, from each patient's latest scores by instrument code."""
    return instrument_figures_of(instrument_counts(latest), offered=offered)


def instrument_figures_of(
    counts: Mapping[str, InstrumentCounts], *, offered: Iterable[str] = ()
) -> dict[str, Any]:
    """``instrument_figures`` from the ``InstrumentCounts`` of each instrument answered."""
    figures: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for code in instrument_codes(offered, counts):
        figures[code], why = one_instrument_of(
            code, counts.get(code) or InstrumentCounts(0, 0, quartiles([]))
        )
        reasons.update({f"instruments.{code}.{name}": reason for name, reason in why.items()})
    return {"instruments": figures, "suppressed_reasons": reasons}
