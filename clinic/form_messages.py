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
from django.utils.translation import gettext_lazy as _

from patients.validation import worded
from ssm_outcomes.forms import LabelledMessages, default_messages
from ssm_outcomes.forms import quoted as _quoted

__all__ = ["CODED", "LabelledForm", "default_messages", "restated"]

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


class LabelledForm(LabelledMessages, forms.Form):
    """A form whose every message names its field as the page labels it."""

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
