"""Reads of a patient's framework and own items that a service and a form both need, so the rule
is written once."""

from __future__ import annotations

from patients.models import Patient

from .models import Element


def personal_item_exists(*, patient: Patient, label: str) -> bool:
    """Whether the patient already has an item in these words, whatever their capitals. The
    patient's own words are in the original column whatever the page's language
    (assessments/translation.py), so they are compared there, never in a language's column."""
    items = Element.objects.rewrite(False).filter(patient=patient)
    return items.filter(label__iexact=label.strip()).exists()
