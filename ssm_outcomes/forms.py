"""The plain form every page for patients (and the invitation a clinician fills in for one) is
built on: no colon after labels, the browser's own pop-up checks left to our messages, a length
limit said in words, and a service's refusal shown beside the field it names. And the messages
that replace Django's own wording ("Ensure this value…") with the field's label and the rule,
for the clinician's forms, the account pages and the portal alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def posted(request):
    """The submitted data on a POST, even an empty one (a submission with nothing filled in,
    to refuse with every required field named); None otherwise, for an unbound form."""
    return request.POST if request.method == "POST" else None


def quoted(label: object) -> str:
    """A field's label (lazy or not) in quotation marks, as a message names it."""
    return gettext("“%(label)s”") % {"label": str(label).rstrip(":?").strip()}


def default_messages(field: forms.Field) -> dict[str, str]:
    """Django's error messages for one field, restated with the field's label."""
    name = quoted(field.label or gettext("This field"))
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
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = gettext("{name} must be an email address, like name@example.org.")
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    if low is not None and high is not None:
        messages["min_value"] = messages["max_value"] = gettext(
            "{name} must be from {low} to {high}."
        ).format(name="{name}", low=number_format(low), high=number_format(high))
    else:
        messages["min_value"] = gettext("{name} must be %(limit_value)s or more.")
        messages["max_value"] = gettext("{name} must be %(limit_value)s or less.")
    return {code: _Named(message, name) for code, message in messages.items()}


def named(message: str, label: object) -> str:
    """``message`` (translated) with ``{name}`` as the field's label in quotation marks, ready
    for Django to fill in its own placeholders (``%(limit_value)d``) however the label is
    written: a field's error message that names the field."""
    return _Named(message, quoted(label))


class _Named(str):
    """A message with the field's name in it (``{name}``), for Django to fill in its own
    placeholders (``%(limit_value)d``) with ``%`` when it has any: a "%" in the name (a reading
    box "HbA1c (%)", an item the patient wrote as "Feel 100% myself") is kept as written there,
    never taken for a placeholder. Without Django's placeholders it reads as the plain text."""

    template: str
    name: str

    def __new__(cls, template: str, name: str) -> _Named:
        message = super().__new__(cls, template.format(name=name))
        message.template, message.name = template, name
        return message

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return self.template, self.name  # so a copy (of a form's errors) is one too

    def __mod__(self, params: Any) -> str:
        return self.template.format(name=self.name.replace("%", "%%")) % params


def _django_defaults(field_class: type) -> dict:
    messages: dict = {}
    for cls in reversed(field_class.__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


class LabelledMessages(forms.BaseForm):
    """Mixed into a form (before ``forms.Form``): every message Django would word itself names
    the field by its label and states the rule (``default_messages``); a message the form chose
    for a field is kept."""

    def full_clean(self) -> None:
        # Here rather than in __init__, so fields a form adds in its own __init__ count too.
        for field in self.fields.values():
            django_says = _django_defaults(type(field))
            for code, message in default_messages(field).items():
                if field.error_messages.get(code) in (None, django_says.get(code)):
                    field.error_messages[code] = message  # unless the form chose its own
        super().full_clean()


class PlainForm(forms.Form):
    """No colon after labels, and the browser's own pop-up checks left to our messages."""

    use_required_attribute = False

    TOO_LONG = _(
        "{name} is too long. Please keep it to %(limit_value)d letters. You wrote %(show_value)d."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Named, so the list of problems at the top of the page says which box is too long.
        for name, field in self.fields.items():
            if getattr(field, "max_length", None):
                label = field.label or pretty_name(name)
                field.error_messages.setdefault("max_length", named(str(self.TOO_LONG), label))

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the field it names, or above the form."""
        messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, texts in messages.items():
            for text in texts:
                self.add_error(field if field in self.fields else None, text)
