"""The languages the site speaks: which are offered, checking a chosen one, and the middleware
that lets a signed-in user's own choice outrank the browser's.

Django's LocaleMiddleware chooses a language from the language switch's cookie or else the
browser's Accept-Language. A signed-in user who chose a language (``User.language``, on the
account page or in My settings) gets theirs instead; a blank choice follows the browser. No app
is imported here: the user is read as ``request.user``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

#: What a refused language says (its code: ``language_unknown``).
LANGUAGE_UNKNOWN = _("Choose one of the languages offered: %(languages)s.")


def language_offered(code: str) -> bool:
    """Whether the site offers this language (a code of settings.LANGUAGES, such as "nl")."""
    return code in dict(settings.LANGUAGES)


def language_checked(code: str | None, field: str = "language") -> str:
    """A chosen language's code, "" for none (follow the browser); anything the site does not
    offer is refused, naming the field."""
    code = (code or "").strip().lower()
    if code and not language_offered(code):
        names = ", ".join(str(name) for _code, name in settings.LANGUAGES)
        raise ValidationError(
            {
                field: ValidationError(
                    LANGUAGE_UNKNOWN, code="language_unknown", params={"languages": names}
                )
            }
        )
    return code


def languages_offered() -> list[tuple[str, str]]:
    """The languages offered, each named in its own words ("Nederlands"), never translated: for
    a language switch, where whoever reads it looks for their own language."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class LanguageRadioSelect(forms.RadioSelect):
    """Radio buttons for a choice of language: each language's name, written in its own words,
    is marked as being in that language (``<span lang="nl">Nederlands</span>``), so a screen
    reader speaks it in its own voice. An option that is not a language ("your browser's") is in
    the page's language and left unmarked."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and language_offered(str(value)):
            option["label"] = format_html('<span lang="{}">{}</span>', value, label)
        return option


def chosen_language(user) -> str:
    """The language a user chose, if the site still offers it; "" to follow the browser."""
    code = getattr(user, "language", "") or ""
    return code if language_offered(code) else ""


def language_for(user=None) -> str:
    """The language to write to someone in when no request says it: theirs, or the default."""
    return chosen_language(user) or settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Activate the signed-in user's language for the request (after AuthenticationMiddleware).

    LocaleMiddleware, above it, reads the active language back for the Content-Language header
    of the response, so the header follows the user's choice too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (code := chosen_language(user)):
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
