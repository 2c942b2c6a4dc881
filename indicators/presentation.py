"""How every page, chart, export and the portal write a stored figure: one rule, no Django.

The rule
--------
A stored figure is a float. It is first read as the decimal it stands for (its shortest ``repr``,
settled to 9 decimal places, so that binary noise such as 73.49999999999999 for 73.5 is gone:
summaries are ratios of small whole numbers, so no real figure lies within 1e-9 of a halfway
point without being on it). It is then rounded **half up** (halves away from zero) with
``decimal``, never with ``round()`` or a format string, which round halves to even or fall on the
binary value (``f"{7.35:.1f}"`` is ``"7.3"``).

- **Index and domain scores, for staff** (0 to 100): a whole number. 73.5 is ``74``.
- **The same for patients** (0 to 10, the scale they answer on): the stored 0–100 value divided
  by 10 in decimal, to one decimal. 73.5 is ``7.4``, so a patient's 7.4 is always a clinician's 74
  and a manager's 74: the same rounding of the same value, in different units.
- **Shares** (0 to 1): a whole percentage on pages (0.125 is ``13%``); the CSV gives the same
  figure as a share with two decimals (``0.13``).
- **Goal attainment T-scores**: one decimal (52.25 is ``52.3``).
- **A change of the index** (0 to 100): one decimal with its sign, cut toward zero rather than
  rounded (9.96 is ``+9.9``), so that a change just under the threshold of 10 points, which
  counts as stable, never reads as 10.
- **Counts**: whole numbers with thousands separated by commas.
- **Scores of validated instruments** (each on its own scale): one decimal, without a trailing
  zero (2.25 is ``2.3``, 2.0 is ``2``).

``*_shown`` give the rounded number as a ``Decimal`` (for the CSV and for tests); ``*_text`` give
it as pages write it.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = [
    "change_text",
    "count_text",
    "index_shown",
    "index_text",
    "instrument_score_text",
    "number_text",
    "percent_text",
    "score_shown",
    "score_text",
    "share_shown",
    "stored_decimal",
    "t_score_shown",
    "t_score_text",
]

SETTLE = Decimal("1E-9")
WHOLE = Decimal("1")
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def stored_decimal(value: float | int | Decimal) -> Decimal:
    """The decimal a stored float stands for, without its binary noise."""
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, int):
        exact = Decimal(value)
    else:
        exact = Decimal(repr(float(value)))
    return exact.quantize(SETTLE, rounding=ROUND_HALF_EVEN)


def _rounded(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    shown = value.quantize(step, rounding=rounding)
    return shown.copy_abs() if shown.is_zero() else shown  # never "-0"


def number_text(value: Decimal) -> str:
    """A rounded decimal as plain text: no exponent, no trailing zeros (``0.40`` is ``0.4``)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def index_shown(index: float) -> Decimal:
    """A 0–100 index or domain score as staff see it: a whole number."""
    return _rounded(stored_decimal(index), WHOLE)


def index_text(index: float) -> str:
    return f"{index_shown(index):f}"


def score_shown(index: float) -> Decimal:
    """A stored 0–100 index as patients see it: out of 10, to one decimal."""
    return _rounded(stored_decimal(index) / 10, TENTH)


def score_text(index: float) -> str:
    return f"{score_shown(index):f}"


def share_shown(share: float) -> Decimal:
    """A 0–1 share to two decimals: the same figure as the whole percentage pages show."""
    return _rounded(stored_decimal(share), HUNDREDTH)


def percent_text(share: float) -> str:
    return f"{share_shown(share) * 100:.0f}%"


def t_score_shown(t_score: float) -> Decimal:
    return _rounded(stored_decimal(t_score), TENTH)


def t_score_text(t_score: float) -> str:
    return f"{t_score_shown(t_score):f}"


def change_text(change: float) -> str:
    """A change of the 0–100 index, to one decimal toward zero, with its sign: ``+9.9``,
    ``-3.0``, ``0.0``."""
    shown = _rounded(stored_decimal(change), TENTH, ROUND_DOWN)
    return f"+{shown:f}" if shown > 0 else f"{shown:f}"


def instrument_score_text(value: float) -> str:
    """A validated instrument's score (a median or quartile of it) on its own scale."""
    return number_text(_rounded(stored_decimal(value), TENTH))


def count_text(count: float) -> str:
    return f"{int(count):,}"
