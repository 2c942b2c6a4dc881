"""How the clinician's forms say what is wrong: every message names the field as the page labels
it and states the rule in a sentence.

Django's own messages ("Ensure this value is greater than or equal to 1.") and the services'
messages, which name fields the way the API does ("occurred_at must not be in the future"), are
both restated here in the page's words. A service's message carries its field as a parameter
(``%(field)s``, see ``patients.validation.rule``), so the label goes there in any language. The
API keeps its own field names; only forms restate.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.validation import worded

# Messages for the services' coded errors, as a form puts them ({label} is the field's label).
CODED = {
    "target_range_missing": _(
        "Give the lowest or the highest agreed value (or both), or untick "
        "“This marker matters for this person”."
    ),
    "condition_recorded": _(
        "This patient already has this condition: change its onset or stage in its own box instead."
    ),
}
# A service message that starts with a field's API name ("occurred_at must …").
_SUBJECT = re.compile(
    r"^(?P<name>[a-z]+(?:_[a-z]+)*) (?P<rest>(?:must|is|are|can|cannot|does)\b.*)$"
)


def _quoted(label: object) -> str:
    """A field's label (lazy or not) in quotation marks, as a message names it."""
    return gettext("“%(label)s”") % {"label": str(label).rstrip(":?").strip()}


def default_messages(field: forms.Field) -> dict[str, str]:
    """Django's error messages for one field, restated with the field's label."""
    name = _quoted(field.label or gettext("This field"))
    choice = isinstance(field, forms.ChoiceField | forms.MultipleChoiceField)
    # {name} is filled in now; the %(…)s placeholders later, by Django, with the limits.
    messages = {
        "required": gettext("Choose one for {name}.") if choice else gettext("Fill in {name}."),
        "invalid_choice": gettext("Choose one of the options for {name}."),
        "max_length": gettext(
            "{name} can be at most %(limit_value)d characters (this has %(show_value)d)."
        ),
    }
    if isinstance(field, forms.DecimalField | forms.FloatField):  # before IntegerField, their base
        messages["invalid"] = gettext("{name} must be a number, like 7.5.")
        messages["max_decimal_places"] = gettext("{name} can have at most %(max)s decimal places.")
        messages["max_digits"] = gettext("{name} can have at most %(max)s digits.")
        messages["max_whole_digits"] = gettext("{name} is too large.")
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = gettext("{name} must be a whole number, like 10.")
    elif isinstance(field, forms.DateTimeField):
        messages["invalid"] = gettext("{name} must be a date and a time.")
    elif isinstance(field, forms.DateField):
        messages["invalid"] = gettext("{name} must be a date.")
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    if low is not None and high is not None:
        messages["min_value"] = messages["max_value"] = gettext(
            "{name} must be from {low} to {high}."
        ).format(name="{name}", low=number_format(low), high=number_format(high))
    else:
        messages["min_value"] = gettext("{name} must be %(limit_value)s or more.")
        messages["max_value"] = gettext("{name} must be %(limit_value)s or less.")
    return {code: message.format(name=name) for code, message in messages.items()}


def _django_defaults(field_class: type) -> dict:
    messages: dict = {}
    for cls in reversed(field_class.__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def restated(
    error: ValidationError, label: str | None, others: Mapping[str, str] | None = None
) -> str:
    """One service error as the form shows it, in the page's language: a coded one in the form's
    own sentence; one that names its field (its ``field`` parameter) with the field's label
    there instead, and the other fields it names (``others``: parameter to label) with theirs.
    A message that names its field only in its English words (a model's own check not yet given
    a ``field`` parameter) has the API's name replaced when it opens with it."""
    if error.code in CODED:
        return str(CODED[error.code])
    params = getattr(error, "params", None) or {}
    if label and "field" in params:
        quoted = {key: _quoted(other) for key, other in (others or {}).items()}
        message = worded(error, _quoted(label), quoted)
    else:
        message = worded(error)
        match = _SUBJECT.match(message)
        if match and label:
            message = f"{_quoted(label)} {match['rest']}"
    return message[:1].upper() + message[1:].rstrip(".") + "."


class LabelledForm(forms.Form):
    """A form whose every message names its field as the page labels it."""

    def full_clean(self):
        # Here rather than in __init__, so fields a form adds in its own __init__ count too.
        for field in self.fields.values():
            django_says = _django_defaults(type(field))
            for code, message in default_messages(field).items():
                if field.error_messages.get(code) in (None, django_says.get(code)):
                    field.error_messages[code] = message  # unless the form chose its own
        super().full_clean()

    def add_service_errors(
        self, error: ValidationError, skip: Collection[str] = frozenset()
    ) -> None:
        """Put a service's errors next to the fields they name, in the page's words; those that
        name no field of this form go above it. Fields in ``skip`` already have the form's own
        message (the service saw no usable value there), so theirs is left out."""
        parts = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
        for name, errors in parts.items():
            if name in skip:
                continue
            field = name if name in self.fields else None
            label = str(self.fields[field].label) if field else None
            for one in errors:
                said = restated(one, label, self._other_labels(name, one))
                self.add_error(field if name != NON_FIELD_ERRORS else None, said)

    def _other_labels(self, name: str | None, error: ValidationError) -> dict[str, str]:
        """The labels of the other fields an error names (its ``*_field`` parameters, by their
        API names), found among this form's fields as the error's own field is: the service's
        ``low`` is this form's ``target_low``, so its ``high`` is ``target_high``."""
        params = getattr(error, "params", None) or {}
        own = str(params.get("field", ""))
        prefix = name[: -len(own)] if name and own and name.endswith(own) else ""
        return {
            key: str(self.fields[f"{prefix}{value}"].label)
            for key, value in params.items()
            if key.endswith("_field") and f"{prefix}{value}" in self.fields
        }
