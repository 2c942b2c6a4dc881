"""Template filters writing stored figures by indicators.presentation's one rule.

Each gives an empty string for a missing value, so ``|default:"…"`` can say what is missing.
"""

from __future__ import annotations

from django import template

from indicators import presentation

register = template.Library()


def _or_empty(write):
    def filter_(value):
        return "" if value is None or value == "" else write(value)

    filter_.__doc__ = write.__doc__
    return filter_


register.filter("index_text", _or_empty(presentation.index_text))
register.filter("score_text", _or_empty(presentation.score_text))
register.filter("percent_text", _or_empty(presentation.percent_text))
register.filter("change_text", _or_empty(presentation.change_text))
