"""Numbers written in text: the digits 0 to 9 and nothing else.

``str.isdigit()`` (and ``isdecimal()``, ``isnumeric()``) also say True for "²", which ``int()``
refuses with a ValueError, and for the digits of other scripts, such as Arabic-Indic "٣", which
``int()`` reads as 3. Ids, page sizes and years that people and programs send us are written in
ASCII digits: anything else is refused like any other text that is not a number. Check with
these before calling ``int()`` on input, never with ``isdigit()``."""

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")

ID_DIGITS = 18
"""The most digits of a database id: any 18-digit number fits a 64-bit key (as the ``id`` URL
converter says)."""


def ascii_digits(text: object) -> bool:
    """Whether ``text`` is one or more of the digits 0 to 9 and nothing else (no sign, space or
    other script's digit)."""
    return isinstance(text, str) and _ASCII_DIGITS.fullmatch(text) is not None


def whole_number(text: object, *, most_digits: int = ID_DIGITS) -> int | None:
    """The whole number ``text`` writes in the digits 0 to 9, at most ``most_digits`` of them
    (so that ``int()`` is never handed thousands); None for anything else."""
    if not isinstance(text, str) or not ascii_digits(text) or len(text) > most_digits:
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits())
        return None
