"""The shape of a validated instrument: its items, their answer values, its licence.

Pure data (frozen dataclasses), no Django. An instrument whose wording may not be shipped
(see ``Licence.kind``) has the same shape with ``text`` and every ``label`` set to None: the
skeleton that scoring, validation and a licensed-wording pack (``packs.py``) all work from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LicenceKind = Literal["open", "attribution", "registration", "licensed"]
"""How freely the wording may be shown.

- ``open``: free to reproduce, display and distribute; the notice is shown as a courtesy.
- ``attribution``: free to reproduce on the licence's terms, which require the notice.
- ``registration``: free to use once the user has registered with the owner; wording is not
  shipped here, a registered service supplies it as a pack.
- ``licensed``: use needs a licence (possibly a fee) from the owner; wording is not shipped here.
"""

InstrumentKind = Literal["screen", "scale", "profile", "encounter"]
"""``screen``: a short screen with a published cut-off; ``scale``: a measure scored on a scale;
``profile``: a descriptive health profile; ``encounter``: asked about one consultation."""

SHIPS_WORDING: tuple[LicenceKind, ...] = ("open", "attribution")


@dataclass(frozen=True)
class Option:
    """One answer value. ``label`` is the published label, or None where the published form
    shows only the number (points between the anchors of a 0–10 scale) or the wording is not
    shipped. A display shows the number itself when the label is None."""

    value: int
    label: str | None


@dataclass(frozen=True)
class Item:
    """One question, identified by its link id ("1", "2", … in published order).

    ``options`` lists every allowed answer value, in order. ``labelled`` names the values that
    carry a label in the published form (the anchors of a numeric scale); None means every
    value is labelled. It says which labels a wording pack must supply."""

    link_id: str
    text: str | None
    options: tuple[Option, ...]
    labelled: tuple[int, ...] | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def lowest(self) -> int:
        return min(self.values)

    @property
    def highest(self) -> int:
        return max(self.values)

    @property
    def labelled_values(self) -> tuple[int, ...]:
        """The values a worded form labels: ``labelled`` or, when None, every value."""
        return self.values if self.labelled is None else self.labelled


@dataclass(frozen=True)
class Licence:
    """``notice`` is the exact notice or attribution to show wherever the wording is shown."""

    kind: LicenceKind
    notice: str

    @property
    def ships_wording(self) -> bool:
        return self.kind in SHIPS_WORDING


@dataclass(frozen=True)
class Instrument:
    """A validated instrument.

    ``informs`` names the framework elements (H1…R4) its results inform. ``main_score`` is the
    key of ``score()``'s result that stands for the instrument on a chart; ``positive_key`` the
    key of a positive screen (a bool), or None for instruments with no published cut-off."""

    code: str
    name: str
    version: str
    licence: Licence
    informs: tuple[str, ...]
    instructions: str | None
    items: tuple[Item, ...]
    kind: InstrumentKind
    main_score: str
    positive_key: str | None = None

    @property
    def link_ids(self) -> tuple[str, ...]:
        return tuple(item.link_id for item in self.items)

    def item(self, link_id: str) -> Item:
        for item in self.items:
            if item.link_id == link_id:
                return item
        raise ValueError(f"{self.code} has no item {link_id!r}")

    @property
    def has_wording(self) -> bool:
        """True when every item has its text (shipped open wording or a pack applied)."""
        return all(item.text is not None for item in self.items)
