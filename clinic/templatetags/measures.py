"""Template filters for measurements as people write them."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value):
    """A stored reading or limit without padding zeros: 87.00 → "87", 7.50 → "7.5"."""
    if value is None or value == "":
        return value
    number = Decimal(str(value)).normalize()
    return f"{number:f}"
