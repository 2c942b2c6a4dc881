"""The data migrations that fill the language columns work on a database with data: the English
columns take the text as it was, the shipped framework gets its Dutch, a personal item keeps its
words and a service its help text. (The schema migrations build the test database itself.) The
data steps run with the migrations' own models, on rows whose language columns are empty again,
as they were before the migration."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from assessments.models import Element
from patients.models import Team
from tests.factories import PersonalItemFactory

framework_in_dutch = importlib.import_module("assessments.migrations.0009_framework_in_dutch")
help_now_english = importlib.import_module("patients.migrations.0009_help_now_english_column")

pytestmark = pytest.mark.django_db
AFTER = [("assessments", "0009_framework_in_dutch"), ("patients", "0009_help_now_english_column")]


def test_the_language_columns_are_filled_from_existing_data(patient, team):
    old = MigrationLoader(connection).project_state(AFTER).apps
    item = PersonalItemFactory(patient=patient, label="Walking the dog")
    blank = {
        f"{field}_{language}": None
        for field in ("label", "plain_label")
        for language in ("en_gb", "nl", "nl_be")
    }
    old.get_model("assessments", "Element").objects.update(**blank)
    old.get_model("assessments", "Domain").objects.update(
        name_en_gb=None, name_nl=None, plain_name_en_gb=None, plain_name_nl=None
    )
    old.get_model("patients", "Team").objects.filter(pk=team.pk).update(
        help_now="Ring the surgery.", help_now_en_gb=None, help_now_nl=None
    )

    framework_in_dutch.wording_per_language(old, None)
    help_now_english.english_column(old, None)

    stored = old.get_model("assessments", "Element")
    h2 = stored.objects.get(code="H2")
    assert (h2.label, h2.label_en_gb, h2.label_nl) == (
        "Symptom control",
        "Symptom control",
        "Controle over symptomen",
    )
    assert h2.plain_label_nl == "Ik heb mijn klachten onder controle"
    assert h2.label_nl_be is None
    assert stored.objects.get(code="M3").label_nl_be.endswith("consultaties")
    Domain = old.get_model("assessments", "Domain")
    assert Domain.objects.get(code="H").plain_name_nl == "Mijn gezondheid en hoe ik me voel"
    assert Domain.objects.get(code="H").name_en_gb == "Health, wellbeing and quality of life"
    moved = stored.objects.get(pk=item.pk)
    assert (moved.label, moved.label_en_gb, moved.label_nl) == (
        "Walking the dog",
        "Walking the dog",
        None,
    )
    assert Element.objects.get(pk=item.pk).label == "Walking the dog"
    assert Team.objects.get(pk=team.pk).help_now == "Ring the surgery."
    stored_team = old.get_model("patients", "Team").objects.get(pk=team.pk)
    assert (stored_team.help_now, stored_team.help_now_en_gb, stored_team.help_now_nl) == (
        "Ring the surgery.",
        "Ring the surgery.",
        None,
    )
