"""Refusing input no view can use, where it enters, before any view, form or query sees it.

PostgreSQL refuses text holding a NUL character (the query fails, so the request would end in a
500), Python's JSON parser recurses once for every level of nesting, and a JSON object that
names a key twice silently keeps the last value. So, once for every route:

- `InputGuardMiddleware` answers a path holding NUL with 404 (no route takes one), a body larger
  than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with 413 under /api/ (the 400 page elsewhere), and NUL in
  a query parameter, a request header or a form field with 400 naming it;
- `GuardedJSONParser`, DRF's default parser, refuses JSON nested deeper than `MAX_JSON_DEPTH`,
  NUL characters and text that is not Unicode in keys and values, numbers too large to hold, and
  a key given twice in one object, naming where it is.

Refusals name the parameter or field as the client sent it and state the rule: JSON under /api/
(`{"q": ["must not contain NUL characters"]}`, like DRF's field errors), the 400 page elsewhere.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

from .body_limit import body_too_large_message
from .views import bad_input, unroutable

NUL = "\x00"
NO_NUL = "must not contain NUL characters"
NOT_UNICODE = "must be valid Unicode text"
NAME_NO_NUL = "a field name must not contain NUL characters"
NAME_NOT_UNICODE = "a field name must be valid Unicode text"
REPEATED_KEY = "appears twice in the same object"
NOT_FINITE = "must be a number JSON can hold (this one is too large)"
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def header_name(meta_key: str) -> str:
    """``HTTP_X_REQUEST_ID`` as the client wrote it: ``X-Request-Id``."""
    return meta_key.removeprefix("HTTP_").replace("_", "-").title()


class InputGuardMiddleware:
    """Path, body size, query string, headers and form bodies, checked before anything reads them.

    It sits above the session and authentication middleware, so a refused request touches no
    table (not even the session's): a NUL in the session cookie would otherwise reach a query.
    API bodies are JSON and are checked by `GuardedJSONParser` when a view reads them; the API
    takes no form bodies (DRF answers 415), so they are not read here. The size limit applies to
    the whole body, except on the few pages that take a file (``settings.UPLOAD_LIMITS``: path →
    bytes), where the page itself says a file is too large, in its own words.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A refusal here comes before LocaleMiddleware: say it in the site's language, never in
        # whatever language an earlier request left active on this thread.
        translation.activate(settings.LANGUAGE_CODE)
        if NUL in request.path:
            return unroutable(request)
        limit = settings.UPLOAD_LIMITS.get(request.path, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if _content_length(request) > limit:
            too_large = request.path.startswith("/api/")
            return bad_input(
                request, body_too_large_message(limit), status=413 if too_large else 400
            )
        problems = _nul_in_query(request) | _nul_in_headers(request)
        if not problems and _has_form_body(request):
            try:
                problems = _nul_in(request.POST)
            except MultiPartParserError as error:
                return bad_input(request, f"The form could not be read: {error}")
        if problems:
            return bad_input(request, problems)
        return self.get_response(request)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it: no body


def _nul_in(params) -> dict[str, list[str]]:
    return {
        name: [NO_NUL]
        for name, values in params.lists()
        if NUL in name or any(NUL in value for value in values)
    }


def _nul_in_query(request) -> dict[str, list[str]]:
    return _nul_in(request.GET)


def _nul_in_headers(request) -> dict[str, list[str]]:
    # Servers such as gunicorn refuse these already; the test client and other servers may not.
    return {
        header_name(key): [NO_NUL]
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value
    }


def _has_form_body(request) -> bool:
    return (
        request.method == "POST"
        and not request.path.startswith("/api/")
        and request.content_type in FORM_MEDIA_TYPES
    )


# --- JSON bodies -----------------------------------------------------------------------------


class _JSONObject(dict):
    """A parsed JSON object that remembers the keys it was given more than once (``json`` would
    silently keep the last value)."""

    def __init__(self, pairs: list[tuple[str, object]]):
        super().__init__()
        self.given_twice: list[str] = []
        for key, value in pairs:
            if key in self and key not in self.given_twice:
                self.given_twice.append(key)
            self[key] = value


def _strict_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _printable(key: str) -> str:
    """A key as it can be written back in a JSON answer (a lone surrogate cannot be)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text_problem(text: str) -> str | None:
    if NUL in text:
        return NO_NUL
    if _unencodable(text):
        return NOT_UNICODE
    return None


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = _printable(key)
    return f"{path}.{key}" if path else key


class _NestedTooDeepError(Exception):
    pass


def json_problems(data) -> dict[str, list[str]]:
    """Every problem in parsed JSON, by where it is (``points.H1``, ``entry[0].resource``).

    Walked without recursion, so a deep document cannot exhaust the stack here; raises
    `_NestedTooDeepError` past `MAX_JSON_DEPTH` levels.
    """
    problems: dict[str, list[str]] = {}
    pending = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        name = path or api_settings.NON_FIELD_ERRORS_KEY
        if isinstance(value, dict | list):
            if depth == MAX_JSON_DEPTH:
                raise _NestedTooDeepError
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (problem := _text_problem(key)):
                    problems.setdefault(_child(path, key), []).append(
                        NAME_NO_NUL if problem == NO_NUL else NAME_NOT_UNICODE
                    )
                pending.append((item, _child(path, key), depth + 1))
            for key in getattr(value, "given_twice", ()):
                problems.setdefault(_child(path, key), []).append(REPEATED_KEY)
        elif isinstance(value, str) and (problem := _text_problem(value)):
            problems.setdefault(name, []).append(problem)
        elif isinstance(value, float) and not math.isfinite(value):
            problems.setdefault(name, []).append(NOT_FINITE)
    return dict(sorted(problems.items()))


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, refusing what would otherwise reach a view (or the database) and fail
    there: see the module's docstring. A deep document is refused with ``{"detail": ...}``; the
    other problems name each field, like a serializer's errors."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(
                stream.read().decode(encoding),
                object_pairs_hook=_JSONObject,
                parse_constant=_strict_constant,
            )
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        try:
            problems = json_problems(data)
        except _NestedTooDeepError:
            raise exceptions.ParseError(TOO_DEEP) from None
        if problems:
            raise exceptions.ValidationError(problems)
        return data


class GuardedFhirJSONParser(GuardedJSONParser):
    """The same checks for a body sent as FHIR's own JSON media type (the FHIR routes)."""

    media_type = "application/fhir+json"
