"""The largest request body accepted, and how a refusal of a larger one says so."""

from django.conf import settings


def body_limit_words(limit: int | None = None) -> str:
    """The largest body accepted, in words: "2.5 MB" for Django's default."""
    return f"{(limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE) / 1024 / 1024:g} MB"


def body_too_large_message(limit: int | None = None) -> str:
    return f"The request body is larger than the {body_limit_words(limit)} this service accepts."
