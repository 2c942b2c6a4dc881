"""Form fields of the clinician's forms that Django lacks: an optional question answered with
radio buttons, whose problem the list at the top of the page can link to."""

from __future__ import annotations

from django import forms
from django.forms import BoundField


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
