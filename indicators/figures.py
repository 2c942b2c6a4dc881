"""Aggregate figures over a group of patient summaries, with small-number suppression.

Plain Python, no Django: the inputs are rows already read from stored patient summaries
(``SummaryRow``) and the priority points patients held (``Allocation``). The small-number rule
and the reason codes kept in ``suppressed_reasons`` are ``indicators.small_numbers``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .instrument_figures import InstrumentCounts, instrument_counts, instrument_figures_of
from .scoring import FRAMEWORK_CODES, Quartiles, quartiles
from .small_numbers import (
    FEWER_THAN_5,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    is_small_count,
    too_few,
)

_T = TypeVar("_T")

DOMAINS = ("H", "M", "R")
DIRECTIONS = ("improved", "stable", "declined")


@dataclass(frozen=True)
class SummaryRow:
    """What a group figure needs from one patient's summary for one quarter."""

    index: float | None
    coverage: float
    domain_scores: dict[str, float | None]
    direction: str
    own_priorities: bool
    goal_attainment: float | None
    markers_with_reading: int
    markers_in_target: int
    patient_initiated: int
    attribution_caveat: bool
    context_kinds: tuple[str, ...] = ()
    # Instrument code to the scores of the patient's latest response in the quarter.
    instruments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Spread:
    """How many values a figure rests on, and their median and quartiles."""

    n: int
    quartiles: Quartiles


NO_SPREAD = Spread(0, Quartiles(None, None, None))


def spread_of(values: Sequence[float]) -> Spread:
    """The spread of ``values`` (``scoring.quartiles``)."""
    return Spread(len(values), quartiles(values))


@dataclass(frozen=True)
class GroupCounts:
    """What a group's headline and context figures rest on: counts, sums and spreads over its
    patients' summaries. ``group_counts`` works them out from rows; the set-based path
    (``indicators.group_sql``) gives the same from SQL, and ``group_figures_of`` turns either
    into figures."""

    patients: int
    own_priorities: int
    index: Spread
    coverage: Spread
    domains: Mapping[str, Spread]
    with_direction: int  # patients with a direction (an index in the quarter before too)
    directions: Mapping[str, int]  # improved, stable, declined: patients of each
    goals: Spread  # goal attainment (only its median is shown)
    measured: int  # patients with a marker reading
    markers_with_reading: int  # summed over the measured patients
    markers_in_target: int  # summed over the measured patients
    patient_initiated: int  # patients with a contact they started
    with_context: int  # patients whose change comes with a context event
    context_kinds: Mapping[str, int] = field(default_factory=dict)  # kind: patients with one
    declined_with_context: int = 0
    declined_without_context: int = 0


def group_counts(rows: Iterable[SummaryRow]) -> GroupCounts:
    """The counts, sums and spreads of ``GroupCounts`` over rows, in Python."""
    rows = list(rows)
    measured = [r for r in rows if r.markers_with_reading]
    fallen = [r for r in rows if r.direction == "declined"]
    kinds: Counter[str] = Counter()
    for r in rows:
        kinds.update(set(r.context_kinds))
    return GroupCounts(
        patients=len(rows),
        own_priorities=sum(r.own_priorities for r in rows),
        index=spread_of([r.index for r in rows if r.index is not None]),
        coverage=spread_of([r.coverage for r in rows]),
        domains={
            code: spread_of([s for r in rows if (s := r.domain_scores.get(code)) is not None])
            for code in DOMAINS
        },
        with_direction=sum(bool(r.direction) for r in rows),
        directions={d: sum(r.direction == d for r in rows) for d in DIRECTIONS},
        goals=spread_of([r.goal_attainment for r in rows if r.goal_attainment is not None]),
        measured=len(measured),
        markers_with_reading=sum(r.markers_with_reading for r in measured),
        markers_in_target=sum(r.markers_in_target for r in measured),
        patient_initiated=sum(r.patient_initiated > 0 for r in rows),
        with_context=sum(r.attribution_caveat for r in rows),
        context_kinds=dict(kinds),
        declined_with_context=sum(r.attribution_caveat for r in fallen),
        declined_without_context=sum(not r.attribution_caveat for r in fallen),
    )


def _spread(spread: Spread) -> dict[str, Any] | None:
    if too_few(spread.n):
        return None
    q = spread.quartiles
    return {"median": q.median, "q1": q.q1, "q3": q.q3, "n": spread.n}


def withheld_counts(counts: dict[str, int]) -> dict[str, str]:
    """Which counts are hidden, and why: counts of 1 to 4, and when only one is, the next smallest
    too, so the hidden one cannot be worked out from the total."""
    withheld = {k: FEWER_THAN_5 for k, v in counts.items() if is_small_count(v)}
    if len(withheld) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in withheld and v > 0)
        if others:
            withheld[others[0][1]] = PROTECTS_SMALLER
    return withheld


def suppress_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """Hide counts of 1 to 4, and one more so the hidden one cannot be worked out from the total."""
    withheld = withheld_counts(counts)
    return {k: None if k in withheld else v for k, v in counts.items()}


def group_figures(rows: Iterable[SummaryRow]) -> dict[str, Any]:
    """The headline figures of a team or caseload in one quarter: spreads, counts and shares."""
    return group_figures_of(group_counts(rows))


def group_figures_of(counts: GroupCounts) -> dict[str, Any]:
    """The headline figures of a group from its ``GroupCounts``, small numbers withheld."""
    n = counts.patients
    suppressed: list[str] = []
    reasons: dict[str, str] = {}

    def withhold(name: str, reason: str) -> None:
        suppressed.append(name)
        reasons[name] = reason

    def guard(name: str, value: _T, base: int) -> _T | None:
        if too_few(base):
            withhold(name, FEWER_THAN_5)
            return None
        return value

    def part_of_group(name: str, count: int, value: _T) -> _T | None:
        """A figure counting some of the group's patients: hidden when they, or the rest of the
        group, are 1 to 4 people, since the group's size would give the other away."""
        reason = part_withheld(count, n)
        if reason:
            withhold(name, reason)
            return None
        return value

    own = counts.own_priorities
    figures: dict[str, Any] = {
        "patients": guard("patients", n, n),
        "with_own_priorities": part_of_group("with_own_priorities", own, own),
        "index": _spread(counts.index),
        "coverage": _spread(counts.coverage),
        "domains": {},
    }
    if figures["index"] is None:
        withhold("index", FEWER_THAN_5)
    if figures["coverage"] is None:
        withhold("coverage", FEWER_THAN_5)
    for code in DOMAINS:
        spread = _spread(counts.domains.get(code, NO_SPREAD))
        figures["domains"][code] = spread
        if spread is None:
            withhold(f"domains.{code}", FEWER_THAN_5)

    directions = {d: counts.directions.get(d, 0) for d in DIRECTIONS}
    if n and not counts.with_direction:  # nobody has an index in the quarter before to compare
        withheld = dict.fromkeys(DIRECTIONS, NO_EARLIER_QUARTER)
    elif too_few(counts.with_direction):
        withheld = dict.fromkeys(DIRECTIONS, FEWER_THAN_5)
    else:
        withheld = withheld_counts(directions)
    for d in DIRECTIONS:
        figures[d] = None if d in withheld else directions[d]
        if d in withheld:
            withhold(d, withheld[d])

    goals = counts.goals
    figures["goal_attainment_median"] = guard(
        "goal_attainment_median", goals.quartiles.median if goals.n else None, goals.n
    )
    with_reading = counts.markers_with_reading
    figures["markers_in_target_share"] = guard(
        "markers_in_target_share",
        counts.markers_in_target / with_reading if with_reading else None,
        counts.measured,
    )
    initiated = counts.patient_initiated
    figures["patient_initiated_share"] = part_of_group(
        "patient_initiated_share", initiated, initiated / n if n else None
    )
    with_context = counts.with_context
    figures["context_share"] = part_of_group(
        "context_share", with_context, with_context / n if n else None
    )
    figures["suppressed"] = bool(suppressed)
    figures["suppressed_fields"] = suppressed
    figures["suppressed_reasons"] = reasons
    return figures


def part_withheld(count: int, n: int) -> str | None:
    """Why a count of some of a group's ``n`` patients (or its share) is hidden, if it is: it is
    1 to 4 people, or the group is fewer than 5; or the rest of the group is 1 to 4 people, whom
    the group's size would give away."""
    if is_small_count(count) or too_few(n):
        return FEWER_THAN_5
    if is_small_count(n - count):
        return PROTECTS_SMALLER
    return None


# --- What matters to a group, and the context of its changes ---------------------------------

COMMON_ITEMS_SHOWN = 10
PERSONAL = "personal"


@dataclass(frozen=True)
class Allocation:
    """One patient's own priority points in effect at the end of a quarter.

    ``points`` maps framework codes (H1…R4) and personal item keys (P<id>) to points;
    ``domains`` gives each key's domain and ``labels`` each personal item's wording.
    """

    points: dict[str, int]
    domains: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)


def item_label_normalised(label: str) -> str:
    """The form under which patients' own wordings of the same item are counted together."""
    return _tidy(label).strip(".!,;:").strip().casefold()


def _tidy(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip()


PRIORITY_CATEGORIES = (*DOMAINS, *FRAMEWORK_CODES, PERSONAL)


@dataclass(frozen=True)
class CommonItem:
    """A wording of personal items shared by 5 or more of a group's patients."""

    label: str  # as most of its holders spelled it
    domain: str
    patients: int


@dataclass(frozen=True)
class PriorityCounts:
    """What a group's priority figures rest on: ``patients`` with own points in effect; for each
    domain, framework element and personal items together, ``holders`` (patients with points
    on it) and ``share_sums`` (the sum over them of the share of their points it holds); the
    ``common_items`` to name (most held first, at most ``COMMON_ITEMS_SHOWN``) and how many
    wordings fewer than 5 patients share (``other_items``). ``priority_counts`` works them out
    from allocations; the set-based path (``indicators.group_sql``) from SQL."""

    patients: int
    holders: Mapping[str, int] = field(default_factory=dict)
    share_sums: Mapping[str, float] = field(default_factory=dict)
    common_items: Sequence[CommonItem] = ()
    other_items: int = 0


def _held_shares(allocations: Sequence[Allocation]) -> tuple[dict[str, int], dict[str, float]]:
    """For each domain, framework element and personal items together, in one pass: how many
    patients put points on it, and the sum of the shares of their points it holds."""
    holders = dict.fromkeys(PRIORITY_CATEGORIES, 0)
    share_sums = dict.fromkeys(PRIORITY_CATEGORIES, 0.0)
    for a in allocations:
        total = sum(a.points.values())
        if not total:
            continue
        parts: dict[str, float] = {}
        for key, value in a.points.items():
            element = key if key in FRAMEWORK_CODES else PERSONAL
            parts[element] = parts.get(element, 0) + value
            parts[a.domains[key]] = parts.get(a.domains[key], 0) + value
        for category, part in parts.items():
            if part > 0:
                holders[category] = holders.get(category, 0) + 1
                share_sums[category] = share_sums.get(category, 0.0) + part / total
    return holders, share_sums


def priority_counts(allocations: Iterable[Allocation]) -> PriorityCounts:
    """The ``PriorityCounts`` of a group's allocations, in Python. Personal items are counted by
    their wording (``item_label_normalised``) and domain, once per patient."""
    allocations = list(allocations)
    holders, share_sums = _held_shares(allocations)
    wordings: Counter[tuple[str, str]] = Counter()
    spellings: dict[tuple[str, str], Counter[str]] = {}
    for a in allocations:
        held = {}
        for k, v in a.points.items():
            if k not in FRAMEWORK_CODES and v > 0 and item_label_normalised(a.labels.get(k, "")):
                label = a.labels[k]
                held[item_label_normalised(label), a.domains[k]] = _tidy(label)
        wordings.update(held.keys())
        for wording, spelling in held.items():
            spellings.setdefault(wording, Counter())[spelling] += 1
    common = sorted(
        ((count, wording) for wording, count in wordings.items()),
        key=lambda t: (-t[0], t[1]),
    )
    shown = [t for t in common if not too_few(t[0])]

    def spelled(wording: tuple[str, str]) -> str:
        """The wording most of its holders used (they differ only in capitals and stops)."""
        return min(spellings[wording].items(), key=lambda s: (-s[1], s[0]))[0]

    return PriorityCounts(
        patients=len(allocations),
        holders=holders,
        share_sums=share_sums,
        common_items=[
            CommonItem(spelled(wording), wording[1], count)
            for count, wording in shown[:COMMON_ITEMS_SHOWN]
        ],
        other_items=len(common) - len(shown),
    )


def priority_figures(allocations: Iterable[Allocation]) -> dict[str, Any]:
    """How a group's patients share their own points over domains, elements and personal items.

    A figure rests on the patients who put points on it: fewer than 5 and it is hidden. Personal
    items are counted by their wording, and only wordings shared by 5 or more patients are named
    (the ten most common); ``other_items`` counts the wordings fewer than 5 patients share.
    """
    allocations = list(allocations)
    if too_few(len(allocations)):
        return {"priorities": None}
    return priority_figures_of(priority_counts(allocations))


def priority_figures_of(counts: PriorityCounts) -> dict[str, Any]:
    """``priority_figures`` from a group's ``PriorityCounts``."""
    n = counts.patients
    if too_few(n):
        return {"priorities": None}

    def figure(category: str) -> dict[str, Any]:
        held = counts.holders.get(category, 0)
        if too_few(held):
            return {"patients": None, "mean_share": None}
        return {"patients": held, "mean_share": counts.share_sums.get(category, 0.0) / n}

    return {
        "priorities": {
            "patients": n,
            "domains": {code: figure(code) for code in DOMAINS},
            "elements": {code: figure(code) for code in [*FRAMEWORK_CODES, PERSONAL]},
            "common_items": [
                {"label": item.label, "domain": item.domain, "patients": item.patients}
                for item in counts.common_items[:COMMON_ITEMS_SHOWN]
            ],
            "other_items": counts.other_items,
        }
    }


def context_figures(
    rows: Iterable[SummaryRow],
    *,
    kinds: Sequence[str],
    declined: int | None,
    declined_reason: str | None = None,
) -> dict[str, Any]:
    """Who had context events, by kind, and how many of the declines came with one.

    ``declined`` is the group's declined count as shown, and ``declined_reason`` why it is hidden:
    when it is hidden, the split of declines is hidden too, or the two parts would give it back.
    ``suppressed_reasons`` says why each hidden figure is hidden (dotted names).
    """
    return context_figures_of(
        group_counts(rows), kinds=kinds, declined=declined, declined_reason=declined_reason
    )


def context_figures_of(
    counts: GroupCounts,
    *,
    kinds: Sequence[str],
    declined: int | None,
    declined_reason: str | None = None,
) -> dict[str, Any]:
    """``context_figures`` from a group's ``GroupCounts``."""
    n = counts.patients
    reasons: dict[str, str] = {}
    by_kind = {kind: counts.context_kinds.get(kind, 0) for kind in kinds}
    split = {
        "with_context": counts.declined_with_context,
        "without_context": counts.declined_without_context,
    }

    def part(name: str, count: int) -> int | None:
        reason = part_withheld(count, n)
        if reason:
            reasons[name] = reason
            return None
        return count

    def shown(name: str, values: dict[str, int], withheld: dict[str, str]) -> dict[str, Any]:
        reasons.update({f"{name}.{key}": why for key, why in withheld.items()})
        return {key: None if key in withheld else value for key, value in values.items()}

    if too_few(n):
        kinds_withheld = dict.fromkeys(by_kind, FEWER_THAN_5)
    else:
        kinds_withheld = withheld_counts(by_kind)
    if declined is None:
        # Each part is at most the hidden total: small parts say so, the others share its reason.
        split_withheld = {
            key: FEWER_THAN_5 if is_small_count(count) else (declined_reason or PROTECTS_SMALLER)
            for key, count in split.items()
        }
    elif too_few(n):
        split_withheld = dict.fromkeys(split, FEWER_THAN_5)
    else:
        split_withheld = withheld_counts(split)
    return {
        "context_patients": part("context_patients", counts.with_context),
        "patient_initiated_patients": part("patient_initiated_patients", counts.patient_initiated),
        "context_kinds": shown("context_kinds", by_kind, kinds_withheld),
        "declined_context": shown("declined_context", split, split_withheld),
        "suppressed_reasons": reasons,
    }


def group_summary_figures(
    rows: Sequence[SummaryRow],
    allocations: Sequence[Allocation],
    *,
    kinds: Sequence[str],
    offered: Iterable[str] = (),
) -> dict[str, Any]:
    """Everything stored for a group in a quarter: the headline figures, what matters to it,
    the context of its changes and the validated instruments it ``offered`` or answered
    (``indicators.instrument_figures``), with one ``suppressed_reasons`` for all of them."""
    return group_summary_figures_of(
        group_counts(rows),
        priority_counts(allocations),
        instrument_counts(r.instruments for r in rows),
        kinds=kinds,
        offered=offered,
    )


def group_summary_figures_of(
    counts: GroupCounts,
    priorities: PriorityCounts,
    instruments: Mapping[str, InstrumentCounts],
    *,
    kinds: Sequence[str],
    offered: Iterable[str] = (),
) -> dict[str, Any]:
    """``group_summary_figures`` from what the figures rest on, however it was worked out."""
    figures = group_figures_of(counts)
    figures.update(priority_figures_of(priorities))
    context = context_figures_of(
        counts,
        kinds=kinds,
        declined=figures["declined"],
        declined_reason=figures["suppressed_reasons"].get("declined"),
    )
    by_instrument = instrument_figures_of(instruments, offered=offered)
    reasons = {
        **figures["suppressed_reasons"],
        **context.pop("suppressed_reasons"),
        **by_instrument.pop("suppressed_reasons"),
    }
    if figures["priorities"] is None:
        reasons["priorities"] = FEWER_THAN_5  # a held share inside it is null for this reason only
    figures.update(context)
    figures.update(by_instrument)
    figures["suppressed_reasons"] = reasons
    return figures
