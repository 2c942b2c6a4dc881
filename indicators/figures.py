"""Aggregate figures over a group of patient summaries, with small-number suppression.

Plain Python, no Django: the inputs are rows already read from stored patient summaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .scoring import SUPPRESSION_THRESHOLD, is_suppressed, quartiles

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


def _spread(values: list[float]) -> dict | None:
    if is_suppressed(len(values)):
        return None
    q = quartiles(values)
    return {"median": q.median, "q1": q.q1, "q3": q.q3, "n": len(values)}


def suppress_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """Hide counts of 1 to 4, and one more so the hidden one cannot be worked out from the total."""
    shown: dict[str, int | None] = dict(counts)
    hidden = [k for k, v in counts.items() if 0 < v < SUPPRESSION_THRESHOLD]
    for key in hidden:
        shown[key] = None
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if others:
            shown[others[0][1]] = None
    return shown


def group_figures(rows: Iterable[SummaryRow]) -> dict:
    """The figures of DESIGN.md for a team or caseload in one quarter."""
    rows = list(rows)
    n = len(rows)
    suppressed: list[str] = []

    def guard(name: str, value, base: int):
        if is_suppressed(base):
            suppressed.append(name)
            return None
        return value

    indices = [r.index for r in rows if r.index is not None]
    figures: dict = {
        "patients": guard("patients", n, n),
        "with_own_priorities": guard("with_own_priorities", sum(r.own_priorities for r in rows), n),
        "index": _spread(indices),
        "coverage": _spread([r.coverage for r in rows]),
        "domains": {},
    }
    if figures["index"] is None:
        suppressed.append("index")
    if figures["coverage"] is None:
        suppressed.append("coverage")
    for code in DOMAINS:
        spread = _spread([s for r in rows if (s := r.domain_scores.get(code)) is not None])
        figures["domains"][code] = spread
        if spread is None:
            suppressed.append(f"domains.{code}")

    with_direction = [r.direction for r in rows if r.direction]
    counts = {d: with_direction.count(d) for d in DIRECTIONS}
    if is_suppressed(len(with_direction)):
        shown = dict.fromkeys(DIRECTIONS)
    else:
        shown = suppress_counts(counts)
    for d in DIRECTIONS:
        figures[d] = shown[d]
        if shown[d] is None:
            suppressed.append(d)

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
    figures["patient_initiated_share"] = guard(
        "patient_initiated_share", sum(r.patient_initiated > 0 for r in rows) / n if n else None, n
    )
    figures["context_share"] = guard(
        "context_share", sum(r.attribution_caveat for r in rows) / n if n else None, n
    )
    figures["suppressed"] = bool(suppressed)
    figures["suppressed_fields"] = suppressed
    return figures
