"""The names of the shipped conditions per language: the name as it was becomes the English
(en-gb) column (the original column keeps it too), and each gets its Dutch name. Flemish falls
back to the Dutch."""

from django.db import migrations
from django.db.models import F

# SNOMED CT code: Dutch name
CONDITIONS_NL = {
    "46635009": "Diabetes mellitus type 1",
    "44054006": "Diabetes mellitus type 2",
    "49049000": "Ziekte van Parkinson",
    "13645005": "Chronische obstructieve longziekte (COPD)",
    "10743008": "Prikkelbaredarmsyndroom",
    "38341003": "Hypertensie",
    "84114007": "Hartfalen",
    "53741008": "Coronaire hartziekte",
    "709044004": "Chronische nierschade",
    "195967001": "Astma",
    "35489007": "Depressie",
    "396275006": "Artrose",
    "69896004": "Reumatoïde artritis",
    "24700007": "Multipele sclerose",
    "84757009": "Epilepsie",
}


def names_per_language(apps, schema_editor):
    ConditionCode = apps.get_model("patients", "ConditionCode")
    ConditionCode.objects.update(display_en_gb=F("display"))
    for code, name in CONDITIONS_NL.items():
        ConditionCode.objects.filter(snomed_code=code).update(display_nl=name)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0013_names_per_language"),
    ]

    operations = [migrations.RunPython(names_per_language, migrations.RunPython.noop)]
