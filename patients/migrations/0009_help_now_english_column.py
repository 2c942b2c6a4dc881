"""A service's "help now" text as it was becomes its English (en-gb) column; the original column
keeps it too (docs/languages.md, "Content that administrators edit")."""

from django.db import migrations
from django.db.models import F


def english_column(apps, schema_editor):
    Team = apps.get_model("patients", "Team")
    Team.objects.update(help_now_en_gb=F("help_now"))


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0008_help_now_per_language"),
    ]

    operations = [migrations.RunPython(english_column, migrations.RunPython.noop)]
