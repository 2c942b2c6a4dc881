"""E-mails the product sends: a message from a subject and a body template, rendered in the
recipient's language, and full links to the site's pages (SITE_URL) to put in them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def site_link(name: str, **kwargs) -> str:
    """A full link to a page, for emails (SITE_URL and the page's path)."""
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def email_message(template: str, context: dict, to: str, *, language: str) -> EmailMessage:
    """An email from ``<template>_subject.txt`` and ``<template>.txt``, to one address, written
    in `language` (its words, dates and numbers): the recipient's, see
    ``ssm_outcomes.languages.language_for``."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[to])


def portal_email(template: str, context: dict, to: str, *, language: str) -> EmailMessage:
    return email_message(f"portal/email/{template}", context, to, language=language)
