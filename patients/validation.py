"""Validators whose messages state the rule in words a person can act on, and the shape of a
service's refusal.

Every message is translatable and names its field as a parameter, ``%(field)s``: the API fills in
the field's API name ("occurred_at must not be in the future", in English exactly as documented;
"occurred_at mag niet in de toekomst liggen" in Dutch), a form puts its label there instead
(`worded`). Messages are lazy, so they are written in the language of whoever reads them.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    validate_email,
)
from django.db import IntegrityError, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ssm_outcomes.rules import BETWEEN, filled

# Nothing this service records happened before this; older dates are typing slips.
EARLIEST_DATE = dt.date(1900, 1, 1)

IN_THE_FUTURE = _("%(field)s must not be in the future")
TOO_EARLY = _("%(field)s must not be before %(year)s")
ONE_OF_THIS_PATIENTS = _("%(field)s must be one of this patient's")


def rule(field: str, message: Any, code: str, *, key: str | None = None, **params: Any):
    """A service's refusal of one field: ``message`` (lazy, with ``%(field)s`` where it names the
    field) under ``key`` (the field itself unless said), with a stable ``code``. Raise it.

    A message that names a second field does so as a parameter whose name ends in ``_field``
    (``%(other_field)s``, given its API name): a form puts that field's label there too."""
    error = ValidationError(message, code=code, params={"field": field, **params})
    return ValidationError({key or field: error})


def refused_together(*checks: Callable[[], object]) -> None:
    """Run every check, even after one refuses, and raise one ValidationError holding all their
    problems, field by field, so that a form shows them together; nothing when all pass."""
    problems: dict[str, list[ValidationError]] = {}
    for check in checks:
        try:
            check()
        except ValidationError as error:
            for field, errors in error.update_error_dict({}).items():
                problems.setdefault(field, []).extend(errors)
    if problems:
        raise ValidationError(problems)


def worded(
    error: ValidationError, field: str | None = None, others: Mapping[str, str] | None = None
) -> str:
    """One error's message in the active language; given ``field`` (a form's label), naming the
    field so rather than by its API name, and given ``others``, the other fields it names (by
    their ``*_field`` parameters) by their labels too."""
    params = dict(getattr(error, "params", None) or {})
    if field is not None and "field" in params:
        params["field"] = field
    params.update({key: label for key, label in (others or {}).items() if key in params})
    message = error.message % params if params else error.message
    return str(message)


class _Ruled:
    """A Django limit validator whose refusal carries the field's name as a parameter (so a form
    can put its label there) and the rule's own numbers. It deconstructs as the Django validator
    with the message in English words, so migrations are untouched by the wording."""

    def __init__(self, limit_value: Any, message: Any, field: str, **params: Any) -> None:
        self.rule, self.field, self.params = message, field, params
        placeholders = {"limit_value": "%(limit_value)d", "show_value": "%(show_value)d"}
        super().__init__(  # type: ignore[call-arg]
            limit_value, filled(message, {**placeholders, "field": field, **params})
        )

    def __call__(self, value: Any) -> None:
        try:
            super().__call__(value)  # type: ignore[misc]
        except ValidationError as error:
            params = {**(error.params or {}), "field": self.field, **self.params}
            raise ValidationError(self.rule, code=error.code, params=params) from None

    def deconstruct(self) -> tuple[str, tuple, dict]:
        base = next(c for c in type(self).__mro__ if c.__module__ == "django.core.validators")
        return (
            f"django.core.validators.{base.__name__}",
            (self.limit_value, self.message),  # type: ignore[attr-defined]
            {},
        )


class RuledMinValueValidator(_Ruled, MinValueValidator):
    pass


class RuledMaxValueValidator(_Ruled, MaxValueValidator):
    pass


class RuledMaxLengthValidator(_Ruled, MaxLengthValidator):
    pass


# The longest e-mail address: what mail can be sent to (RFC 5321's path) and the columns hold.
EMAIL_MAX = 254


def email_checked(email: str | None, message: Any) -> str:
    """An e-mail address as given, trimmed: empty (none given) or a valid address of at most
    ``EMAIL_MAX`` characters; otherwise ValidationError on ``email``: ``TOO_LONG`` (code
    ``email_too_long``), or ``message`` for an address that is none (code ``email_invalid``;
    each surface words it for its readers; it may name the field as ``%(field)s``)."""
    email = (email or "").strip()
    if len(email) > EMAIL_MAX:
        raise rule(
            "email", TOO_LONG, "email_too_long", limit_value=EMAIL_MAX, show_value=len(email)
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise rule("email", message, "email_invalid") from None
    return email


def between(low: int | float, high: int | float, what: str = "value") -> list:
    """Validators for an inclusive range, both saying e.g. "value must be between 0 and 10"."""
    return [
        RuledMinValueValidator(low, BETWEEN, what, low=low, high=high),
        RuledMaxValueValidator(high, BETWEEN, what, low=low, high=high),
    ]


# The longest text each free-text field takes: room for what people really write, and no more
# (a megabyte of text is a mistake or an attack, and a page cannot lay it out). Models, API
# serializers and forms all read these, so one number holds on every path.
DISPLAY_NAME_MAX = 120
LOCAL_ID_MAX = 64
ITEM_LABEL_MAX = 200
GOAL_MAX = 500
EXPECTED_OUTCOME_MAX = 1000
AGENDA_MAX = 2000
NOTE_MAX = 5000
EVENT_NOTE_MAX = 1000
REASON_MAX = 500


TOO_LONG = _("%(field)s must be at most %(limit_value)s characters (it has %(show_value)s)")


def length_message(what: str) -> str:
    """The rule for a text too long, in Django's message format (limit and length filled in)."""
    placeholders = {"limit_value": "%(limit_value)d", "show_value": "%(show_value)d"}
    return filled(TOO_LONG, {**placeholders, "field": what})


def at_most(limit: int, what: str) -> list:
    """Validators for a text field's length, saying e.g. "note must be at most 5000 characters
    (it has 5210)"; for TextFields, which Django does not check against max_length itself."""
    return [RuledMaxLengthValidator(limit, TOO_LONG, what)]


def at_least(low: int | float, what: str = "value") -> list:
    return [RuledMinValueValidator(low, _("%(field)s must be %(low)s or more"), what, low=low)]


def full_clean(record, *, exclude: list[str] | None = None):
    """Run model validation and return the record, so services can validate-then-save in one go."""
    record.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    return record


def _in_hand(record: models.Model) -> list[str]:
    """The record's foreign keys given as objects already read from the database: checking that
    they exist would read them again."""
    names = []
    for field in record._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.is_cached(record):
            related = field.get_cached_value(record)
            if related is not None and related.pk is not None and not related._state.adding:
                names.append(field.name)
    return names


def record_save(record, *, exclude: list[str] | None = None):
    """Validate a record as ``full_clean`` does and save it, without reading what the database
    checks anyway: foreign keys given as objects already read are not looked up again, and
    unique and check constraints are left to the database, whose refusal is raised as the same
    ValidationError (field, message and code) that ``full_clean`` gives. Returns the record.

    Every field's rules and the model's ``clean()`` still run first, so whatever a person can
    get wrong is said as before. A refusal by the database leaves the transaction unusable: the
    innermost atomic block is marked for rollback, so it can only be left (by the error)."""
    skipped = [*(exclude or []), *_in_hand(record)]
    record.full_clean(exclude=skipped, validate_unique=False, validate_constraints=False)
    try:
        record.save()
    except IntegrityError as error:
        refusal = constraint_refusal(record, error)
        if refusal is None:
            raise
        using = router.db_for_write(type(record), instance=record)
        if transaction.get_connection(using).in_atomic_block:
            transaction.set_rollback(True, using=using)
        raise refusal from error
    return record


def _refused(error: IntegrityError) -> tuple[str, frozenset[str]]:
    """The name of the constraint the database refused (PostgreSQL, SQLite's check constraints)
    and the table.column names it names (SQLite's unique constraints)."""
    diagnosis = getattr(error.__cause__, "diag", None)
    name = getattr(diagnosis, "constraint_name", None) or ""
    columns: frozenset[str] = frozenset()
    text = str(error)
    if text.startswith("CHECK constraint failed: "):
        name = text.removeprefix("CHECK constraint failed: ").strip()
    elif text.startswith("UNIQUE constraint failed: "):
        named = text.removeprefix("UNIQUE constraint failed: ").split(",")
        columns = frozenset(column.strip() for column in named)
    return name, columns


def constraint_refusal(record: models.Model, error: IntegrityError) -> ValidationError | None:
    """The ValidationError ``full_clean`` raises for the model constraint the database refused
    in ``error`` (the same field, message and code); None when it is none of the record's."""
    name, columns = _refused(error)
    for model, constraints in record.get_constraints():
        table = model._meta.db_table
        column = {field.name: field.column for field in model._meta.concrete_fields}
        for constraint in constraints:
            fields = list(getattr(constraint, "fields", ()))
            named = frozenset(f"{table}.{column[f]}" for f in fields)
            if constraint.name != name and not (columns and named == columns):
                continue
            if (
                isinstance(constraint, models.UniqueConstraint)
                and fields
                and constraint.condition is None
                and constraint.violation_error_message == constraint.default_violation_error_message
            ):
                message = record.unique_error_message(model, fields)
                refusal = ValidationError(message, code=message.code)
            else:
                refusal = ValidationError(
                    constraint.get_violation_error_message(), code=constraint.violation_error_code
                )
            # Under the key Model.validate_constraints files it.
            if refusal.code == "unique" and len(fields) == 1:
                return ValidationError({fields[0]: [refusal]})
            return ValidationError(refusal.update_error_dict({}))
    return None


def field_rule(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A service's rule of one field (``check(value)``, raising ``rule(...)``) as an input
    field's validator, its problems said as the field's own: the API then says them together
    with the other fields' problems rather than after them. The service still checks. Returns
    what ``check`` returns (a record it found by the value, say)."""

    def validator(value: Any) -> Any:
        try:
            return check(value)
        except ValidationError as error:
            problems = error.update_error_dict({})
            raise ValidationError([e for errors in problems.values() for e in errors]) from None

    return validator


def date_rule(field: str) -> Callable[[Any], Any]:
    """``date_not_in_future`` of ``field`` as its validator (``field_rule``)."""
    return field_rule(lambda day: date_not_in_future(field, day))


def date_not_in_future(field: str, day: dt.date | None) -> None:
    """Refuse a date after today, or one so early it can only be a typing slip. (No date at all
    is the model's rule to state: some dates are optional.)"""
    if day is None:
        return
    if day > timezone.localdate():
        raise rule(field, IN_THE_FUTURE, "date_in_future")
    if day < EARLIEST_DATE:
        raise rule(field, TOO_EARLY, "date_too_early", year=f"{EARLIEST_DATE:%Y}")


def birth_year_valid(year: int) -> None:
    """A year of birth from 1900 to this year: never in the future."""
    this_year = timezone.localdate().year
    if not EARLIEST_DATE.year <= year <= this_year:
        raise ValidationError(
            _(
                "%(field)s must be between %(low)s and %(high)s "
                "(a year of birth cannot be in the future)"
            ),
            code="birth_year",
            params={"field": "birth_year", "low": EARLIEST_DATE.year, "high": this_year},
        )
