"""Content that administrators edit (django-modeltranslation columns), shown in the page's
language or, where it has no text in that language, in English visibly marked: the English in
``<span lang="en-GB">`` (so a screen reader reads it as English) and a note "(in English)" in the
page's language. docs/languages.md, "Content that administrators edit".

``{% load content_language %}`` then ``{{ element|in_language:"plain_label,label" }}`` (the
first field with text, as ``Element.wording`` reads), ``{{ domain|in_language:"plain_name" }}``,
or ``{{ text|language_marked }}`` for a text that carries its ``language`` (``InLanguage``)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname, resolution_order

register = template.Library()


class InLanguage(str):
    """A text and the language it is written in (a language code, "" for the page's)."""

    language: str

    def __new__(cls, text: str, language: str = "") -> InLanguage:
        made = super().__new__(cls, text)
        made.language = language
        return made


def language_columns(model: type) -> list[str]:
    """The per-language columns of a model's translated fields (``label_en_gb``, ``label_nl``…):
    a service validating what it writes in the original column leaves them out."""
    try:
        options = translator.get_options_for_model(model)  # type: ignore[arg-type]
    except NotRegistered:
        return []
    return sorted(column.name for columns in options.all_fields.values() for column in columns)


def is_other_language(language: str, page_language: str | None = None) -> bool:
    """Whether a text in ``language`` is not in the page's language, for the reader: Flemish
    shown Dutch is not marked (it is the language they read), Dutch or Flemish shown English is."""
    page = (page_language or get_language() or settings.LANGUAGE_CODE).lower()
    written = (language or page).lower()
    return written.split("-")[0] != page.split("-")[0]


def text_language(obj: object, field: str) -> str:
    """The language of the text ``obj.<field>`` shows on this page: the first language of the
    page's fallback order with text in its column; "" when the field is not translated or the
    object keeps its own words (a personal item: ``reads_original``)."""
    model = type(obj)
    try:
        options = translator.get_options_for_model(model)  # type: ignore[arg-type]
    except NotRegistered:
        return ""
    if field not in options.all_fields:
        return ""
    descriptor = model.__dict__.get(field) or getattr(model, field)
    reads_original = getattr(descriptor, "reads_original", None)
    if reads_original is not None and reads_original(obj):
        return ""
    page = get_language() or settings.LANGUAGE_CODE
    for language in resolution_order(page, descriptor.fallback_languages):
        if getattr(obj, build_localized_fieldname(field, language), None):
            return language
    return ""


def marked(text: str, language: str) -> SafeString:
    """``text`` escaped; in a ``lang`` span with a note when it is not in the page's language."""
    tag = other_language(language)
    if not tag:
        return format_html("{}", text)
    return format_html(
        '<span lang="{}">{}</span> <span class="language-note">{}</span>',
        tag,
        text,
        gettext("(in English)") if language.lower().startswith("en") else f"({language})",
    )


@register.filter
def in_language(obj: object, fields: str) -> SafeString:
    """The first of ``fields`` (comma-separated) with text, marked when it is not in the
    page's language."""
    for field in fields.split(","):
        field = field.strip()
        text = getattr(obj, field, "") or ""
        if text:
            return marked(str(text), text_language(obj, field))
    return SafeString("")


@register.filter
def language_marked(text: object) -> SafeString:
    """A text (``InLanguage``) marked when it is not in the page's language."""
    return marked(str(text or ""), getattr(text, "language", ""))


@register.filter
def other_language(language: str) -> str:
    """The ``lang`` attribute for a text written in ``language`` ("en-GB"), when that is not
    the page's language; "" when it is."""
    if not language or not is_other_language(language):
        return ""
    return "en-GB" if language.lower() == "en-gb" else language


@register.filter
def english_marked(text: object) -> SafeString:
    """A text only ever written in English (a validated instrument's published name), in
    ``<span lang="en-GB">`` on a page in another language, so a screen reader reads it as
    English; as it is on an English page."""
    language = other_language("en-gb")
    if not language:
        return conditional_escape(str(text))
    return format_html('<span lang="{}">{}</span>', language, text)
