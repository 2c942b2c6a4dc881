"""Template tags giving the dashboards the small-number rule's words (indicators.small_numbers).

``{% fewer_than %}`` writes "fewer than 5" (in the page's language), ``{% small_number %}``
writes "5"; both take ``as name`` to keep the words for a filter such as ``capfirst`` or for a
``{% blocktranslate %}``.
"""

from __future__ import annotations

from django import template

from indicators import small_numbers
from indicators.dashboard import fewer_than_words

register = template.Library()


@register.simple_tag
def fewer_than() -> str:
    """What a page writes in place of a number resting on too few patients."""
    return fewer_than_words()


@register.simple_tag
def small_number() -> int:
    """The fewest patients a figure may rest on and still be shown."""
    return small_numbers.SMALL_NUMBER
