"""Targets: what a benchmark measured against its limit, printed one per line.

Every target line reads ``target: <name>  measured <x>  limit <y>  ratio <x/y>  met|MISSED``;
``benchmarks.run_all`` collects them from every benchmark and prints them again as a table at
the end. A target is only ever printed: nothing here raises or changes an exit status.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

LINE = re.compile(
    r"^target: (?P<name>.+?)  measured (?P<measured>.+?)  limit (?P<limit>.+?)"
    r"  ratio (?P<ratio>\S+)  (?P<verdict>met|MISSED)$"
)


@dataclass(frozen=True)
class Target:
    """``measured`` against ``limit``: at most (``at_most``, the default), below (``below``), or
    at least (neither). A count limit of 0 has no ratio; it is met by 0 only."""

    name: str
    measured: float
    limit: float
    unit: str = ""
    at_most: bool = True
    below: bool = False

    @property
    def met(self) -> bool:
        if math.isnan(self.measured):
            return False
        measured = round(self.measured, 6)
        if self.below:
            return measured < self.limit
        return measured <= self.limit if self.at_most else measured >= self.limit

    @property
    def ratio(self) -> str:
        if self.limit == 0 or math.isnan(self.measured):
            return "n/a"
        return f"{self.measured / self.limit:.2f}"

    def line(self) -> str:
        sign = "<" if self.below else "<=" if self.at_most else ">="
        unit = self.unit if math.isfinite(self.measured) else ""  # "inf", not "infs"
        return (
            f"target: {self.name}  measured {_number(self.measured)}{unit}  "
            f"limit {sign}{_number(self.limit)}{self.unit}  ratio {self.ratio}  "
            f"{'met' if self.met else 'MISSED'}"
        )


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "none" if math.isnan(value) else "inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def target_print(target: Target) -> Target:
    print(target.line(), flush=True)
    return target


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank; ``inf`` counts as a value (a miss), NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def summary_table(lines: list[str]) -> str:
    """The target lines as one table, the missed ones marked."""
    rows = [m.groupdict() for line in lines if (m := LINE.match(line.strip()))]
    if not rows:
        return "no targets were printed"
    width = max(len(r["name"]) for r in rows)
    out = [f"{'target':<{width}}  {'measured':>10}  {'limit':>10}  {'ratio':>6}  result"]
    for r in rows:
        out.append(
            f"{r['name']:<{width}}  {r['measured']:>10}  {r['limit']:>10}  {r['ratio']:>6}  "
            f"{r['verdict']}"
        )
    missed = sum(r["verdict"] == "MISSED" for r in rows)
    out.append(f"{len(rows) - missed} of {len(rows)} targets met, {missed} missed")
    return "\n".join(out)
