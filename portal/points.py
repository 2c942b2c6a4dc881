"""How the portal shares 100 points among the things a patient picked: where the points start
(an even split in fives), what +5 and −5 do, and how the total is put into words. Plain Python
apart from gettext. static/js/portal.js does the same in the browser, word for word.

"+" is never refused: with points left it gives up to 5 of them; with none left it takes 5 from
the picked thing with the most points (the first of them in the list when several have as many)
and says so. The notes are in the patient's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

POINTS_TO_SHARE = 100
POINTS_STEP = 5


def even_split(keys: Sequence[str], total: int = POINTS_TO_SHARE) -> dict[str, int]:
    """`total` shared as evenly as fives allow, the first keys getting 5 more than the rest:
    3 keys → 35, 35, 30. Whatever is below 5 is not given out."""
    if not keys:
        return {}
    each, extra = divmod(max(0, total) // POINTS_STEP, len(keys))
    return {key: (each + (1 if i < extra else 0)) * POINTS_STEP for i, key in enumerate(keys)}


def starting_points(keys: Sequence[str], carried: Mapping[str, int]) -> dict[str, int]:
    """Points to start sharing from: an even split of 100 among the keys; but keys that already
    have points (saved or typed before the patient changed what she picked) keep them, and only
    what is left of 100 is split among the others."""
    kept = {key: carried[key] for key in keys if key in carried}
    if not kept:
        return even_split(keys)
    others = [key for key in keys if key not in kept]
    shared = even_split(others, POINTS_TO_SHARE - sum(kept.values()))
    return {key: kept[key] if key in kept else shared[key] for key in keys}


@dataclass(frozen=True)
class Step:
    """The points after a +/− button, and what to tell the patient about it (often nothing)."""

    points: dict[str, int]
    note: str = ""


def step(points: Mapping[str, int], key: str, by: int, words: Mapping[str, str]) -> Step:
    """Press +5 (by > 0) or −5 (by < 0) on `key`. `words` names each key for the note."""
    after = dict(points)
    if key not in after or by == 0:
        return Step(after)
    if by < 0:
        if after[key] == 0:
            return Step(after, _("“%(name)s” has no points to take away.") % {"name": words[key]})
        after[key] = max(0, after[key] + by)
        return Step(after)
    left = POINTS_TO_SHARE - sum(after.values())
    if left > 0:
        after[key] += min(by, left)
        return Step(after)
    others = [other for other in after if other != key and after[other] > 0]
    if not others:
        return Step(after, _("“%(name)s” already has all the points.") % {"name": words[key]})
    most = max(others, key=lambda other: after[other])  # max keeps the first of equals
    moved = min(by, after[most])
    after[most] -= moved
    after[key] += moved
    return Step(
        after,
        _("No points were left, so we took %(moved)s from “%(from)s” and gave them to “%(to)s”.")
        % {"moved": moved, "from": words[most], "to": words[key]},
    )


@dataclass(frozen=True)
class Total:
    """How much of the 100 is shared, in words and as a state: "under", "done" or "over"."""

    shared: int

    @property
    def state(self) -> str:
        if self.shared > POINTS_TO_SHARE:
            return "over"
        return "done" if self.shared == POINTS_TO_SHARE else "under"

    @property
    def left(self) -> int:
        return max(0, POINTS_TO_SHARE - self.shared)

    @property
    def over(self) -> int:
        return max(0, self.shared - POINTS_TO_SHARE)

    @property
    def bar(self) -> int:
        """How much of the bar to fill, out of 100: full when over, which the colour tells."""
        return min(self.shared, POINTS_TO_SHARE)
