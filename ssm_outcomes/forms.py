"""The plain form every page for patients (and the invitation a clinician fills in for one) is
built on: no colon after labels, the browser's own pop-up checks left to our messages, a length
limit said in words, and a service's refusal shown beside the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PlainForm(forms.Form):
    """No colon after labels, and the browser's own pop-up checks left to our messages."""

    use_required_attribute = False

    TOO_LONG = _(
        "This is too long. Please keep it to %(limit_value)d letters. You wrote %(show_value)d."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages.setdefault("max_length", self.TOO_LONG)

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the field it names, or above the form."""
        messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, texts in messages.items():
            for text in texts:
                self.add_error(field if field in self.fields else None, text)
