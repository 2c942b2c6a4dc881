"""Every foreign key can be looked up by an index: its own, or one that begins with it (a
composite index or a unique constraint). The composite ones stand in for the single-column
indexes Django would add, which repeat their first column at every write."""

from django.apps import apps
from django.db import models

OURS = {"patients", "assessments", "indicators", "accounts", "interop"}


def _leading_columns(model: type[models.Model]) -> set[str]:
    meta = model._meta
    leading = set()
    for index in meta.indexes:
        if index.fields:
            leading.add(meta.get_field(index.fields[0].lstrip("-")).column)
    for constraint in meta.constraints:
        fields = getattr(constraint, "fields", None)
        if fields and getattr(constraint, "condition", None) is None:
            leading.add(meta.get_field(fields[0]).column)
    for names in meta.unique_together:
        leading.add(meta.get_field(names[0]).column)
    return leading


def test_every_foreign_key_has_an_index_that_begins_with_it():
    unindexed = []
    for model in apps.get_models():
        if model._meta.app_label not in OURS:
            continue
        leading = _leading_columns(model)
        for field in model._meta.local_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            if field.db_index or field.unique or field.column in leading:
                continue
            unindexed.append(f"{model._meta.label}.{field.name}")
    assert unindexed == []


def test_the_composite_indexes_stand_in_for_the_busiest_foreign_keys():
    # The single-column index of each of these repeated a composite index's first column.
    covered = {
        "assessments.Rating": "patient",
        "assessments.Reading": "patient",
        "assessments.PrioritySet": "patient",
        "assessments.GoalReview": "goal",
        "patients.Encounter": "patient",
        "patients.ContextEvent": "patient",
        "indicators.PatientSummary": "patient",
    }
    for label, name in covered.items():
        model = apps.get_model(label)
        field = model._meta.get_field(name)
        assert not field.db_index, label
        assert field.column in _leading_columns(model), label
    encounter = apps.get_model("patients.Encounter")
    assert not encounter._meta.get_field("clinician").db_index
