"""`{% api_token_count user %}`: how many API tokens still work for a user, so that pages can
offer the API tokens page to the people who use it and to no one else."""

from django import template

from ..selectors import api_tokens_live

register = template.Library()


@register.simple_tag
def api_token_count(user) -> int:
    return api_tokens_live(user=user).count() if user.is_authenticated else 0
