"""``{% first_run_steps as steps %}`` for the admin site's home page."""

from django import template

from accounts import first_run

register = template.Library()


@register.simple_tag
def first_run_steps():
    return first_run.first_run_steps()
