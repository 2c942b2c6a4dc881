"""Validated instruments and their pure scoring (no Django here).

- ``model``: the data shapes (Option, Item, Licence, Instrument).
- ``catalogue``: the instruments, their wording where the licence allows, and the registry.
- ``scoring``: ``score(code, answers)`` and the hooks for licensed value sets and conversions.
- ``packs``: checking a licensed-wording pack and applying it (``pack_problems``,
  ``with_wording``).
"""

from .catalogue import INSTRUMENTS, instrument
from .model import Instrument, Item, Licence, LicenceKind, Option
from .packs import pack_problems, with_wording
from .scoring import register_metric_conversion, register_value_set, score

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "Item",
    "Licence",
    "LicenceKind",
    "Option",
    "instrument",
    "pack_problems",
    "register_metric_conversion",
    "register_value_set",
    "score",
    "with_wording",
]
