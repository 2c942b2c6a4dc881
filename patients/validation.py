"""Validators whose messages state the rule in words a person can act on."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    validate_email,
)
from django.utils import timezone

# Nothing this service records happened before this; older dates are typing slips.
EARLIEST_DATE = dt.date(1900, 1, 1)


def email_checked(email: str | None, message: str) -> str:
    """An e-mail address as given, trimmed: empty (none given) or a valid address; otherwise
    ValidationError on ``email`` with ``message`` (each surface words it for its readers)."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": message}) from None
    return email


def between(low: int | float, high: int | float, what: str = "value") -> list:
    """Validators for an inclusive range, both saying e.g. "value must be between 0 and 10"."""
    message = f"{what} must be between {low} and {high}"
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


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


def length_message(what: str) -> str:
    """The rule for a text too long, in Django's message format (limit and length filled in)."""
    return f"{what} must be at most %(limit_value)d characters (it has %(show_value)d)"


def at_most(limit: int, what: str) -> list:
    """Validators for a text field's length, saying e.g. "note must be at most 5000 characters
    (it has 5210)"; for TextFields, which Django does not check against max_length itself."""
    return [MaxLengthValidator(limit, length_message(what))]


def at_least(low: int | float, what: str = "value") -> list:
    return [MinValueValidator(low, f"{what} must be {low} or more")]


def full_clean(record, *, exclude: list[str] | None = None):
    """Run model validation and return the record, so services can validate-then-save in one go."""
    record.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    return record


def date_not_in_future(field: str, day: dt.date | None) -> None:
    """Refuse a date after today, or one so early it can only be a typing slip. (No date at all
    is the model's rule to state: some dates are optional.)"""
    if day is None:
        return
    if day > timezone.localdate():
        raise ValidationError({field: f"{field} must not be in the future"})
    if day < EARLIEST_DATE:
        raise ValidationError({field: f"{field} must not be before {EARLIEST_DATE:%Y}"})


def birth_year_valid(year: int) -> None:
    """A year of birth from 1900 to this year: never in the future."""
    this_year = timezone.localdate().year
    if not EARLIEST_DATE.year <= year <= this_year:
        raise ValidationError(
            f"birth_year must be between {EARLIEST_DATE.year} and {this_year} "
            "(a year of birth cannot be in the future)",
            code="birth_year",
        )
