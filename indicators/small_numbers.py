"""The small-number rule, in one place: how few patients a figure may rest on, and its words.

Plain Python, no Django. A figure resting on fewer than ``SMALL_NUMBER`` patients is never shown,
and a count of 1 to ``SMALL_NUMBER - 1`` people is never shown whatever the total. Figures,
selectors, the dashboard view-model, charts, the CSV export, the API's help texts and (through
the ``small_numbers`` template tags) the dashboard templates all take the threshold and its
wording from here.

The reason codes are stored in summaries and given by the API (``suppressed_reasons``): they are
a public contract and keep their exact spelling, whatever the threshold.
"""

from __future__ import annotations

__all__ = [
    "FEWER_THAN",
    "FEWER_THAN_5",
    "FEWER_THAN_PATIENTS",
    "NO_EARLIER_QUARTER",
    "PROTECTS_SMALLER",
    "SMALL_NUMBER",
    "WITHHELD_REASONS",
    "is_small_count",
    "too_few",
]

SMALL_NUMBER = 5  # the fewest patients a figure may rest on and still be shown

# Why a figure is withheld, kept beside the figures as ``suppressed_reasons`` (dotted figure name
# to reason) so that pages, charts and the CSV can say which: a figure hidden to protect another
# must never read as a small number itself.
FEWER_THAN_5 = "fewer_than_5"  # it rests on 1 to 4 patients (or on fewer than 5 altogether)
PROTECTS_SMALLER = "protects_smaller_number"  # hidden so a smaller number cannot be worked out
NO_EARLIER_QUARTER = "no_earlier_quarter"  # a change needs an index in the quarter before
WITHHELD_REASONS = (FEWER_THAN_5, PROTECTS_SMALLER, NO_EARLIER_QUARTER)

# The rule in words: what a page writes in place of a small number, and the same about patients.
FEWER_THAN = f"fewer than {SMALL_NUMBER}"
FEWER_THAN_PATIENTS = f"{FEWER_THAN} patients"


def too_few(n: int) -> bool:
    """Whether a group (or the base of a figure) of ``n`` patients is too small to report."""
    return n < SMALL_NUMBER


def is_small_count(count: int) -> bool:
    """Whether a count of people is a small number (1 to 4): never shown, whatever the total."""
    return 0 < count < SMALL_NUMBER
