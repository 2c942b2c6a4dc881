"""Form fields and widgets of the clinician's forms that Django lacks: an optional question
answered with radio buttons, whose problem the list at the top of the page can link to, and the
browser's date and date-time pickers."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.utils import timezone


class _FirstButtonBoundField(BoundField):
    """A radio group whose link target, from the list of problems, is its first button (Django
    gives a group none)."""

    @property
    def id_for_label(self) -> str:
        return f"{self.auto_id}_0" if self.auto_id else ""


class RadioChoiceField(forms.TypedChoiceField):
    """One question answered with radio buttons, optional, its value a whole number."""

    widget = forms.RadioSelect

    def get_bound_field(self, form, field_name):
        return _FirstButtonBoundField(form, self, field_name)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return (
                timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
                if timezone.is_aware(value)
                else value.strftime("%Y-%m-%dT%H:%M")
            )
        return value


_A_TIME = re.compile(r"\d:\d\d")


class LocalDateTimeField(forms.DateTimeField):
    """A date and a time, in the service's time zone. Django also reads a date alone, as
    midnight; here a value without a time is refused (``invalid``), so an appointment typed as
    a date is never booked for the small hours."""

    widget = LocalDateTimeInput

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not _A_TIME.search(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DateInput(forms.DateInput):
    """A date picker. Browsers read and send its value only as ISO 8601 (2017-05-06): a date
    rendered in the language's format would show as empty and be saved as empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
