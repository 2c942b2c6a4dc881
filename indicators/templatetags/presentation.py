"""Template filters writing stored figures by indicators.presentation's one rule.

Each gives an empty string for a missing value, so ``|default:"…"`` can say what is missing,
and writes a decimal with the page language's decimal sign ("+9,9" in Dutch; the CSV, written
without these filters, keeps the point).
"""

from __future__ import annotations

from django import template
from django.utils.formats import get_format

from indicators import presentation

register = template.Library()


def _or_empty(write):
    def filter_(value):
        if value is None or value == "":
            return ""
        return write(value).replace(".", get_format("DECIMAL_SEPARATOR"))

    filter_.__doc__ = write.__doc__
    return filter_


register.filter("index_text", _or_empty(presentation.index_text))
register.filter("score_text", _or_empty(presentation.score_text))
register.filter("percent_text", _or_empty(presentation.percent_text))
register.filter("change_text", _or_empty(presentation.change_text))
