"""REST framework plumbing shared by every app's API: errors, pagination, strict input, roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import to_choices_dict
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .digits import whole_number
from .rules import NUMBER, ONE_OF, filled, one_of
from .views import audit_refusal


def _said(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    """Each error's message, filled in now (in the active language), keeping its code."""
    return [
        ErrorDetail(
            str(error.message % error.params if error.params else error.message),
            code=error.code or "invalid",
        )
        for error in errors
    ]


def exception_handler(exc, context):
    """Service-level ValidationError becomes 400 with each field named, like serializer errors:
    its messages written in the request's language, its codes kept. That is the language the
    answer's Content-Language names (Accept-Language; for a session, the user's own choice), never
    a token user's saved choice: an API answer's words follow what the request asked for."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: _said(errors) for field, errors in exc.error_dict.items()}
        else:
            detail = {"detail": _said(exc.error_list)}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    # A 404 is a refused access unless every record the URL names is within the caller's role
    # (the permission checked them first): then it is only nothing there (a quarter with no
    # summary yet, a target not set, a page past the last), which the patient must not see in
    # "Who has seen my record" as a refusal.
    nothing_there = isinstance(exc, exceptions.NotFound) and getattr(
        context["request"], "records_within_role", False
    )
    if not nothing_there and isinstance(
        exc, exceptions.NotFound | exceptions.PermissionDenied | exceptions.NotAuthenticated
    ):
        view = context.get("view")
        status_code = 401 if isinstance(exc, exceptions.NotAuthenticated) else exc.status_code
        audit_refusal(
            context["request"], status_code, getattr(view, "kwargs", {}).get("patient_id")
        )
    return drf_exception_handler(exc, context)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        size = whole_number(raw)
        if raw is not None and not (size is not None and 0 < size <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    "page_size": [
                        gettext("%(field)s must be a whole number from 1 to %(high)s")
                        % {"field": "page_size", "high": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        """The page asked for: absent is the first, ``last`` the last; anything else must be a
        whole number from 1 (a 400 naming ``page``, as for any other bad parameter; the empty
        ``?page=`` too, like ``?page_size=``). A number past the last page stays a 404."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            rule = gettext("%(field)s must be a whole number from 1") % {"field": "page"}
            raise exceptions.ValidationError({"page": [rule]})
        return number


MAX_ID = 2**63 - 1


def _unencodable(value) -> bool:
    """Text that cannot be stored (lone surrogates from a JSON escape), anywhere in a value."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unencodable(k) or _unencodable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unencodable(v) for v in value)
    return False


class NamedRulesSerializer(serializers.Serializer):
    """Input whose errors name the field and the rule: DRF's own words for its checks ("This
    field is required.", "Ensure this field has no more than 12 characters.") name no field, so
    they are said again naming it (an item of a list or an object by its place: ``teams[0]``,
    ``points.H1``) and the rule, in the reader's language. Words of the API's own (any other
    message, even with the same code) are kept."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                error.detail = {
                    name: _named(self.fields.get(name), name, problems)
                    for name, problems in error.detail.items()
                }
            raise


class StrictSerializer(NamedRulesSerializer):
    """Refuses fields it does not know, rather than silently dropping them, text that cannot be
    stored, and a value of the wrong JSON type, an item of a list or an object too ("5" for 5:
    DRF would quietly turn one into the other)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [gettext("unknown field: it cannot be set here")] for name in unknown}
                )
            broken = sorted(name for name, value in data.items() if _unencodable(value))
            if broken:
                raise serializers.ValidationError(
                    {name: [gettext("must be valid Unicode text")] for name in broken}
                )
            wrong = {
                name: problems
                for name, field in self.fields.items()
                if name in data and (problems := _json_type_problems(field, data[name]))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


def _named(field, name: str, problems: Any) -> Any:
    """``problems`` of ``field`` (called ``name``) with DRF's own words said again naming it; a
    list's or an object's items (their problems by index or key) each named by its place."""
    if field is None:
        return problems
    if isinstance(problems, dict):
        child = getattr(field, "child", None)
        return {
            key: _named(child, f"{name}[{key}]" if isinstance(key, int) else f"{name}.{key}", sub)
            for key, sub in problems.items()
        }
    if not isinstance(problems, list):
        return problems
    return [
        ErrorDetail(said, code=problem.code)
        if isinstance(problem, ErrorDetail)
        and (said := _drf_rule_named(field, name, problem)) is not None
        else problem
        for problem in problems
    ]


# The rule a JSON value of the wrong type breaks, with the type given (``%(given)s``: a JSON
# type as Python names it, such as str or float).
MUST_BE_BOOLEAN = _("must be true or false, not %(given)s")
MUST_BE_WHOLE = _("must be a whole number, not %(given)s")
MUST_BE_NUMBER = _("must be a number, not %(given)s")
MUST_BE_TEXT = _("must be text, not %(given)s")
MUST_BE_LIST = _("must be a list, not %(given)s")
MUST_BE_OBJECT = _("must be an object, not %(given)s")


# DRF's default words, said again naming the field (``%(field)s``) and the rule.
REQUIRED = _("%(field)s is required")
NOT_NULL = _("%(field)s must have a value, not null")
NOT_BLANK = _("%(field)s must not be empty")
DATE = _("%(field)s must be a date like 2026-03-31")
DATE_TIME = _("%(field)s must be a date and time like 2026-03-31T10:00:00Z")
WHOLE = _("%(field)s must be a whole number")
TRUE_OR_FALSE = _("%(field)s must be true or false")
TEXT = _("%(field)s must be text")
UNICODE = _("%(field)s must be valid Unicode text")
A_LIST = _("%(field)s must be a list")
AN_OBJECT = _("%(field)s must be an object")
OR_MORE = _("%(field)s must be %(limit)s or more")
OR_LESS = _("%(field)s must be %(limit)s or less")
AT_LEAST = _("%(field)s must be at least %(limit)s characters")
AT_MOST = _("%(field)s must be at most %(limit)s characters")
ITEMS_AT_LEAST = ngettext_lazy(
    "%(field)s must have at least %(limit)s item",
    "%(field)s must have at least %(limit)s items",
    "limit",
)
ITEMS_AT_MOST = ngettext_lazy(
    "%(field)s must have at most %(limit)s item",
    "%(field)s must have at most %(limit)s items",
    "limit",
)
DIGITS = _(
    "%(field)s must be a number with at most %(whole)s digits before the decimal point and "
    "%(places)s after"
)


def _drf_defaults(kind: type) -> dict[str, Any]:
    """DRF's own messages for a field class, by code, as ``Field.__init__`` gathers them."""
    messages: dict[str, Any] = {}
    for cls in reversed(kind.__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _kind_rule(field) -> Any:
    """What a value of ``field`` must be, for DRF's "not valid" words."""
    if isinstance(field, serializers.DateTimeField):
        return DATE_TIME
    if isinstance(field, serializers.DateField):
        return DATE
    if isinstance(field, serializers.IntegerField):
        return WHOLE
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        return NUMBER
    if isinstance(field, serializers.BooleanField):
        return TRUE_OR_FALSE
    if isinstance(field, serializers.ListField | serializers.MultipleChoiceField):
        return A_LIST
    if isinstance(field, serializers.DictField):
        return AN_OBJECT
    if isinstance(field, serializers.ChoiceField):
        return ONE_OF
    if isinstance(field, serializers.CharField):
        return TEXT
    return None


def _rule_for(field, code: str) -> tuple[Any, dict[str, Any]] | None:
    """The API's words for DRF's check ``code`` on ``field``, with their parameters; None for a
    code DRF's fields do not have."""
    counted = isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
    if code in ("max_digits", "max_decimal_places", "max_whole_digits"):
        places = field.decimal_places
        return DIGITS, {"whole": field.max_digits - places, "places": places}
    by_code: dict[str, tuple[Any, dict[str, Any]]] = {
        "required": (REQUIRED, {}),
        "null": (NOT_NULL, {}),
        "blank": (NOT_BLANK, {}),
        "empty": (NOT_BLANK, {}),
        "surrogate_characters_not_allowed": (UNICODE, {}),
        "not_a_list": (A_LIST, {}),
        "not_a_dict": (AN_OBJECT, {}),
        "date": (DATE_TIME, {}),
        "make_aware": (DATE_TIME, {}),
        "overflow": (DATE_TIME, {}),
        "datetime": (DATE, {}),
        "min_value": (OR_MORE, {"limit": getattr(field, "min_value", None)}),
        "max_value": (OR_LESS, {"limit": getattr(field, "max_value", None)}),
        "min_length": (
            ITEMS_AT_LEAST if counted else AT_LEAST,
            {"limit": getattr(field, "min_length", None)},
        ),
        "max_length": (
            ITEMS_AT_MOST if counted else AT_MOST,
            {"limit": getattr(field, "max_length", None)},
        ),
    }
    if code in by_code:
        return by_code[code]
    if code in ("invalid", "invalid_choice", "max_string_length") and (rule := _kind_rule(field)):
        choices = getattr(field, "choices", {}) if rule is ONE_OF else {}
        return rule, {"codes": ", ".join(str(choice) for choice in choices)}
    return None


def _drf_rule_named(field, name: str, problem: ErrorDetail) -> str | None:
    """The rule to say instead of ``problem``, naming ``name``, when it is DRF's default message
    for its code."""
    code, defaults = problem.code, _drf_defaults(type(field))
    if code not in defaults or field.error_messages.get(code) is not defaults[code]:
        return None  # not one of DRF's codes, or the field's own words for it
    default, said = str(defaults[code]), str(problem)
    # A default with a value in it ("… no more than {max_length} characters."): filled in.
    filled_in = "{" in default and said.startswith(default[: default.index("{")])
    if said != default and not filled_in:
        return None
    rule = _rule_for(field, code)
    if rule is None:
        return None
    message, params = rule
    return str(message % {"field": name, **params})


def _json_type_mismatch(field, value) -> Any:
    """DRF turns 5 into "5" and "5" into 5; the API's schema promises types, so keep them. The
    rule broken (translated when read), or None."""
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else MUST_BE_BOOLEAN
    if isinstance(field, serializers.IntegerField):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else MUST_BE_WHOLE
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        ok = isinstance(value, int | float | str) and not isinstance(value, bool)
        return None if ok else MUST_BE_NUMBER
    if isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateField):
        return None if isinstance(value, str) else MUST_BE_TEXT
    if isinstance(field, serializers.ListField):
        return None if isinstance(value, list) else MUST_BE_LIST
    if isinstance(field, serializers.DictField):
        return None if isinstance(value, dict) else MUST_BE_OBJECT
    return None


def _json_type_problems(field, value) -> Any:
    """The JSON type ``value`` breaks for ``field``, in the reader's language: a list of that
    rule, or for a list's or an object's items their problems by index or key (as DRF gives an
    item's errors); None when all is well. Null is left to the field (``allow_null``)."""
    if value is None:
        return None
    if rule := _json_type_mismatch(field, value):
        return [str(rule) % {"given": type(value).__name__}]
    child = getattr(field, "child", None)
    if child is None or not isinstance(value, list | dict):
        return None
    items = enumerate(value) if isinstance(value, list) else value.items()
    wrong = {key: problems for key, item in items if (problems := _json_type_problems(child, item))}
    return wrong or None


def id_field(**kwargs) -> serializers.IntegerField:
    """An id given in a request body: a positive whole number that fits a database key."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


WHOLE_NUMBER_BETWEEN = _("%(field)s must be a whole number between %(low)s and %(high)s")


def choice_field(name: str, choices, **kwargs) -> serializers.ChoiceField:
    """A choice given in a request body; one not offered is refused naming the field and the
    choices, in the reader's language."""
    messages: dict[str, Any] = {"invalid_choice": one_of(name, to_choices_dict(choices))}
    return serializers.ChoiceField(choices=choices, error_messages=messages, **kwargs)


def whole_number_field(
    name: str, low: int, high: int, rule: Any = WHOLE_NUMBER_BETWEEN, **kwargs
) -> serializers.IntegerField:
    """A whole number from ``low`` to ``high`` given in a request body; one outside is refused
    naming the field and the range, in the reader's language."""
    message = filled(rule, {"field": name, "low": low, "high": high})
    messages: dict[str, Any] = {"min_value": message, "max_value": message}
    return serializers.IntegerField(
        min_value=low, max_value=high, error_messages=messages, **kwargs
    )


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(required=False)


ERROR_RESPONSES = {
    400: OpenApiResponse(
        description="Bad input: an object naming each field with what is wrong and the rule."
    ),
    401: OpenApiResponse(ErrorOutput, description="Not signed in or no valid token."),
    403: OpenApiResponse(ErrorOutput, description="Your role cannot do this."),
    404: OpenApiResponse(ErrorOutput, description="No such record within your role."),
}


def documented(*codes: int) -> dict:
    """The error responses an endpoint can give, for its OpenAPI description."""
    return {code: ERROR_RESPONSES[code] for code in codes}


_paginated: dict[type, type] = {}


def paginated(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page envelope of a list of `serializer` items, for the schema."""
    if serializer not in _paginated:
        name = serializer.__name__.removesuffix("Output")
        _paginated[serializer] = type(
            f"Paginated{name}List",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializer(many=True),
            },
        )
    return _paginated[serializer]


PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        description="Page number, a whole number from 1 (else 400); past the last page, 404.",
    ),
    OpenApiParameter("page_size", int, description="Items a page (at most 500; default 50)."),
]


def date_param(request, name: str):
    """A date query parameter, or None when it is absent; a malformed or empty one (``?to=``,
    which the schema's date format does not allow) is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [str(DATE) % {"field": name}]}) from None


def dated(queryset, request, field: str):
    """``queryset`` limited by the ``from`` and ``to`` query parameters (DATE_FILTERS) on the
    date ``field`` (a lookup such as ``rated_on`` or ``occurred_at__date``)."""
    if since := date_param(request, "from"):
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until := date_param(request, "to"):
        queryset = queryset.filter(**{f"{field}__lte": until})
    return queryset


DATE_FILTERS = (
    OpenApiParameter("from", date, description="Only records on or after this date."),
    OpenApiParameter("to", date, description="Only records on or before this date."),
)


def require_role(user, roles: set[str], action: Any) -> None:
    """Refuse (403) a user whose role is not one of ``roles``, saying which role cannot do
    what (``action``, marked for translation: "register patients") in the reader's language."""
    if user.role not in roles:
        raise exceptions.PermissionDenied(
            gettext("your role (%(role)s) cannot %(action)s")
            % {"role": user.role, "action": action}
        )


def number_field(
    name: str, max_digits: int, decimal_places: int, **kwargs
) -> serializers.DecimalField:
    """A decimal number given in a request body; one that is not a number, or has more digits
    than are stored, is refused naming the field and the rule, in the reader's language."""
    digits = filled(
        DIGITS, {"field": name, "whole": max_digits - decimal_places, "places": decimal_places}
    )
    messages: dict[str, Any] = {
        "invalid": filled(NUMBER, {"field": name}),
        "max_digits": digits,
        "max_decimal_places": digits,
        "max_whole_digits": digits,
    }
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, error_messages=messages, **kwargs
    )


def text_field(limit: int, name: str, **kwargs) -> serializers.CharField:
    """A text given in a request body, with its length limit stated in the API's words (and in
    the schema's maxLength)."""
    messages: dict[str, Any] = {"max_length": filled(AT_MOST, {"field": name, "limit": limit})}
    messages.update(kwargs.pop("error_messages", {}))
    return serializers.CharField(max_length=limit, error_messages=messages, **kwargs)
