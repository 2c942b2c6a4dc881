"""Validators whose messages state the rule in words a person can act on."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

# Nothing this service records happened before this; older dates are typing slips.
EARLIEST_DATE = dt.date(1900, 1, 1)


def between(low: int | float, high: int | float, what: str = "value") -> list:
    """Validators for an inclusive range, both saying e.g. "value must be between 0 and 10"."""
    message = f"{what} must be between {low} and {high}"
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


def at_least(low: int | float, what: str = "value") -> list:
    return [MinValueValidator(low, f"{what} must be {low} or more")]


def full_clean(record, *, exclude: list[str] | None = None):
    """Run model validation and return the record, so services can validate-then-save in one go."""
    record.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    return record


def date_not_in_future(field: str, day: dt.date) -> None:
    """Refuse a date after today, or one so early it can only be a typing slip."""
    if day > timezone.localdate():
        raise ValidationError({field: f"{field} must not be in the future"})
    if day < EARLIEST_DATE:
        raise ValidationError({field: f"{field} must not be before {EARLIEST_DATE:%Y}"})
