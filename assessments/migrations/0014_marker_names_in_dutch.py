"""The names of the shipped markers per language: the names as they were become the English
(en-gb) columns (the original columns keep them too), and each marker gets its Dutch names,
clinical and plain (the plain name is what a patient reads). Flemish falls back to the Dutch."""

from django.db import migrations
from django.db.models import F

# LOINC code: (Dutch clinical name, Dutch plain name)
MARKERS_NL = {
    "59261-8": ("HbA1c (IFCC)", "Gemiddelde bloedsuiker (HbA1c)"),
    "4548-4": ("HbA1c (DCCT)", "Gemiddelde bloedsuiker (HbA1c, %)"),
    "8480-6": ("Systolische bloeddruk", "Bloeddruk (bovendruk)"),
    "8462-4": ("Diastolische bloeddruk", "Bloeddruk (onderdruk)"),
    "14647-2": ("Totaal cholesterol", "Cholesterol"),
    "39156-5": ("Body-mass-index", "Body-mass-index (BMI)"),
    "29463-7": ("Lichaamsgewicht", "Gewicht"),
}


def names_per_language(apps, schema_editor):
    Marker = apps.get_model("assessments", "Marker")
    Marker.objects.update(name_en_gb=F("name"), plain_name_en_gb=F("plain_name"))
    for code, (name, plain) in MARKERS_NL.items():
        Marker.objects.filter(loinc=code).update(name_nl=name, plain_name_nl=plain)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_names_per_language"),
    ]

    operations = [migrations.RunPython(names_per_language, migrations.RunPython.noop)]
