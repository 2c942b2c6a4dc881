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

from .instrument_figures import instrument_figures
from .scoring import FRAMEWORK_CODES, quartiles
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


def _spread(values: list[float]) -> dict[str, Any] | None:
    if too_few(len(values)):
        return None
    q = quartiles(values)
    return {"median": q.median, "q1": q.q1, "q3": q.q3, "n": len(values)}


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
    rows = list(rows)
    n = len(rows)
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

    indices = [r.index for r in rows if r.index is not None]
    figures: dict[str, Any] = {
        "patients": guard("patients", n, n),
        "with_own_priorities": part_of_group(
            "with_own_priorities",
            own := sum(r.own_priorities for r in rows),
            own,
        ),
        "index": _spread(indices),
        "coverage": _spread([r.coverage for r in rows]),
        "domains": {},
    }
    if figures["index"] is None:
        withhold("index", FEWER_THAN_5)
    if figures["coverage"] is None:
        withhold("coverage", FEWER_THAN_5)
    for code in DOMAINS:
        spread = _spread([s for r in rows if (s := r.domain_scores.get(code)) is not None])
        figures["domains"][code] = spread
        if spread is None:
            withhold(f"domains.{code}", FEWER_THAN_5)

    with_direction = [r.direction for r in rows if r.direction]
    counts = {d: with_direction.count(d) for d in DIRECTIONS}
    if n and not with_direction:  # nobody has an index in the quarter before to compare with
        withheld = dict.fromkeys(DIRECTIONS, NO_EARLIER_QUARTER)
    elif too_few(len(with_direction)):
        withheld = dict.fromkeys(DIRECTIONS, FEWER_THAN_5)
    else:
        withheld = withheld_counts(counts)
    for d in DIRECTIONS:
        figures[d] = None if d in withheld else counts[d]
        if d in withheld:
            withhold(d, withheld[d])

    goals = [r.goal_attainment for r in rows if r.goal_attainment is not None]
    figures["goal_attainment_median"] = guard(
        "goal_attainment_median", quartiles(goals).median if goals else None, len(goals)
    )
    measured = [r for r in rows if r.markers_with_reading]
    with_reading = sum(r.markers_with_reading for r in measured)
    figures["markers_in_target_share"] = guard(
        "markers_in_target_share",
        sum(r.markers_in_target for r in measured) / with_reading if with_reading else None,
        len(measured),
    )
    initiated = sum(r.patient_initiated > 0 for r in rows)
    figures["patient_initiated_share"] = part_of_group(
        "patient_initiated_share", initiated, initiated / n if n else None
    )
    with_context = sum(r.attribution_caveat for r in rows)
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


def _held_shares(allocations: Sequence[Allocation]) -> tuple[dict[str, Any], dict[str, Any]]:
    """For each domain, framework element and personal items together, in one pass: how many
    patients put points on it, and the mean share of their points it holds."""
    categories = [*DOMAINS, *FRAMEWORK_CODES, PERSONAL]
    holders = dict.fromkeys(categories, 0)
    share_sums = dict.fromkeys(categories, 0.0)
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
                holders[category] += 1
                share_sums[category] += part / total
    n = len(allocations)

    def figure(category: str) -> dict[str, Any]:
        if too_few(holders[category]):
            return {"patients": None, "mean_share": None}
        return {"patients": holders[category], "mean_share": share_sums[category] / n}

    return (
        {code: figure(code) for code in DOMAINS},
        {code: figure(code) for code in [*FRAMEWORK_CODES, PERSONAL]},
    )


def priority_figures(allocations: Iterable[Allocation]) -> dict[str, Any]:
    """How a group's patients share their own points over domains, elements and personal items.

    A figure rests on the patients who put points on it: fewer than 5 and it is hidden. Personal
    items are counted by their wording, and only wordings shared by 5 or more patients are named
    (the ten most common); ``other_items`` counts the wordings fewer than 5 patients share.
    """
    allocations = list(allocations)
    n = len(allocations)
    if too_few(n):
        return {"priorities": None}
    domains, elements = _held_shares(allocations)
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

    return {
        "priorities": {
            "patients": n,
            "domains": domains,
            "elements": elements,
            "common_items": [
                {"label": spelled(wording), "domain": wording[1], "patients": count}
                for count, wording in shown[:COMMON_ITEMS_SHOWN]
            ],
            "other_items": len(common) - len(shown),
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
    rows = list(rows)
    n = len(rows)
    reasons: dict[str, str] = {}
    by_kind = {kind: sum(kind in r.context_kinds for r in rows) for kind in kinds}
    fallen = [r for r in rows if r.direction == "declined"]
    split = {
        "with_context": sum(r.attribution_caveat for r in fallen),
        "without_context": sum(not r.attribution_caveat for r in fallen),
    }

    def part(name: str, count: int) -> int | None:
        reason = part_withheld(count, n)
        if reason:
            reasons[name] = reason
            return None
        return count

    def counts(name: str, values: dict[str, int], withheld: dict[str, str]) -> dict[str, Any]:
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
        "context_patients": part("context_patients", sum(r.attribution_caveat for r in rows)),
        "patient_initiated_patients": part(
            "patient_initiated_patients", sum(r.patient_initiated > 0 for r in rows)
        ),
        "context_kinds": counts("context_kinds", by_kind, kinds_withheld),
        "declined_context": counts("declined_context", split, split_withheld),
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
    figures = group_figures(rows)
    figures.update(priority_figures(allocations))
    context = context_figures(
        rows,
        kinds=kinds,
        declined=figures["declined"],
        declined_reason=figures["suppressed_reasons"].get("declined"),
    )
    instruments = instrument_figures((r.instruments for r in rows), offered=offered)
    reasons = {
        **figures["suppressed_reasons"],
        **context.pop("suppressed_reasons"),
        **instruments.pop("suppressed_reasons"),
    }
    if figures["priorities"] is None:
        reasons["priorities"] = FEWER_THAN_5  # a held share inside it is null for this reason only
    figures.update(context)
    figures.update(instruments)
    figures["suppressed_reasons"] = reasons
    return figures
