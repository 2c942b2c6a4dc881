"""Load the long-term conditions services record, coded in SNOMED CT, with staging scales."""

from django.db import migrations

# SNOMED CT code, display, staging scale, lowest stage, highest stage
CONDITIONS = [
    ("46635009", "Type 1 diabetes mellitus", "", None, None),
    ("44054006", "Type 2 diabetes mellitus", "", None, None),
    ("49049000", "Parkinson's disease", "Hoehn and Yahr", 1, 5),
    ("13645005", "Chronic obstructive pulmonary disease", "GOLD grade", 1, 4),
    ("10743008", "Irritable bowel syndrome", "", None, None),
    ("38341003", "Hypertension", "", None, None),
    ("84114007", "Heart failure", "NYHA class", 1, 4),
    ("53741008", "Coronary heart disease", "", None, None),
    ("709044004", "Chronic kidney disease", "CKD stage", 1, 5),
    ("195967001", "Asthma", "", None, None),
    ("35489007", "Depression", "", None, None),
    ("396275006", "Osteoarthritis", "", None, None),
    ("69896004", "Rheumatoid arthritis", "", None, None),
    ("24700007", "Multiple sclerosis", "", None, None),
    ("84757009", "Epilepsy", "", None, None),
]


def load(apps, schema_editor):
    ConditionCode = apps.get_model("patients", "ConditionCode")
    for code, display, system, low, high in CONDITIONS:
        ConditionCode.objects.update_or_create(
            snomed_code=code,
            defaults={
                "display": display,
                "stage_system": system,
                "stage_min": low,
                "stage_max": high,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
