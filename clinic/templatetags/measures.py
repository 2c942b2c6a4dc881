"""Template filters for measurements as people write them."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


def unpadded(value):
    """A stored reading or limit without padding zeros, as a form's box holds it (with a point,
    whatever the language): 87.00 → "87", 7.50 → "7.5"."""
    if value is None or value == "":
        return value
    return f"{Decimal(str(value)).normalize():f}"


@register.filter
def plain_number(value):
    """A stored reading or limit as people read it: without padding zeros, with the language's
    decimal mark (7.50 → "7.5", in Dutch "7,5")."""
    if value is None or value == "":
        return value
    return number_format(unpadded(value))
