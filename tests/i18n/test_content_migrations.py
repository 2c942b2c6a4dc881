"""The migrations that give administrators' content a column per language apply forwards on a
database with data: the English columns take the text as it was, the shipped framework gets its
Dutch, a personal item keeps its words and a service its help text."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0007_instruments"), ("patients", "0007_user_language")]
AFTER = [("assessments", "0009_framework_in_dutch"), ("patients", "0009_help_now_english_column")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_language_columns_are_filled_from_existing_data():
    try:
        old = migrate(BEFORE)
        team = old.get_model("patients", "Team").objects.create(
            name="Old team", help_now="Ring the surgery."
        )
        patient = old.get_model("patients", "Patient").objects.create(
            display_name="Old P.", birth_year=1950
        )
        item = old.get_model("assessments", "Element").objects.create(
            patient_id=patient.pk, domain_id="H", code="", label="Walking the dog"
        )
        new = migrate(AFTER)
        Element = new.get_model("assessments", "Element")
        h2 = Element.objects.get(code="H2")
        assert (h2.label, h2.label_en_gb, h2.label_nl) == (
            "Symptom control",
            "Symptom control",
            "Controle over symptomen",
        )
        assert h2.plain_label_nl == "Ik heb mijn klachten onder controle"
        assert h2.label_nl_be is None
        assert Element.objects.get(code="M3").label_nl_be.endswith("consultaties")
        Domain = new.get_model("assessments", "Domain")
        assert Domain.objects.get(code="H").plain_name_nl == "Mijn gezondheid en hoe ik me voel"
        assert Domain.objects.get(code="H").name_en_gb == "Health, wellbeing and quality of life"
        moved = Element.objects.get(pk=item.pk)
        assert (moved.label, moved.label_en_gb, moved.label_nl) == (
            "Walking the dog",
            "Walking the dog",
            None,
        )
        team = new.get_model("patients", "Team").objects.get(pk=team.pk)
        assert (team.help_now, team.help_now_en_gb, team.help_now_nl) == (
            "Ring the surgery.",
            "Ring the surgery.",
            None,
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
