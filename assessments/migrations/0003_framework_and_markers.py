"""Load the default success framework and the biomedical markers a service records."""

from django.db import migrations

DOMAINS = [
    ("H", "Health, wellbeing and quality of life", "My health and how I feel", 1),
    ("M", "How well people (can) manage", "Looking after myself", 2),
    ("R", "Professional–patient relationship", "Me and my care team", 3),
]

ELEMENTS = [
    ("H1", "Biomedical markers within a personally agreed, realistic range",
     "My test results are in the range we agreed"),
    ("H2", "Symptom control", "My symptoms are under control"),
    ("H3", "Getting on with daily life (work, hobbies, home, roles that matter)",
     "I can get on with daily life: work, hobbies, home, the things I do for others"),
    ("H4", "Psychological wellbeing and coping with the condition",
     "I feel OK in myself and can cope with my condition"),
    ("H5", "General health and happiness", "My health and happiness in general"),
    ("M1", "Dealing with the condition in daily life (medicines, routines, adjustments)",
     "Fitting my condition into daily life: medicines, routines, changes"),
    ("M2", "Motivation and confidence to self-manage",
     "Feeling ready and sure I can look after myself"),
    ("M3", "Taking part in problem solving and goal setting, including in consultations",
     "Working out problems and setting goals, with my team too"),
    ("M4", "The right balance of independence and support (not unduly dependent on services)",
     "Getting the right amount of help: not too much, not too little"),
    ("R1", "Feeling able to talk openly and honestly with the team",
     "I can talk openly and honestly with my team"),
    ("R2", "The team raises difficult issues constructively",
     "My team talks about hard things in a helpful way"),
    ("R3", "Care stays accessible: able to come back when needed",
     "I can get back in touch with my team when I need to"),
    ("R4", "Feeling listened to, valued and supported", "I feel listened to, valued and supported"),
]

# loinc, name, plain name, UCUM unit, display unit, plausible low, plausible high
MARKERS = [
    ("59261-8", "HbA1c (IFCC)", "Long-term blood sugar (HbA1c)", "mmol/mol", "mmol/mol", 20, 200),
    ("4548-4", "HbA1c (DCCT)", "Long-term blood sugar (HbA1c, %)", "%", "%", 3, 20),
    ("8480-6", "Systolic blood pressure", "Blood pressure (top number)", "mm[Hg]", "mmHg", 60, 260),
    ("8462-4", "Diastolic blood pressure", "Blood pressure (bottom number)", "mm[Hg]", "mmHg", 30, 160),
    ("14647-2", "Total cholesterol", "Cholesterol", "mmol/L", "mmol/L", 1, 20),
    ("39156-5", "Body mass index", "Body mass index (BMI)", "kg/m2", "kg/m²", 10, 80),
    ("29463-7", "Body weight", "Weight", "kg", "kg", 20, 350),
]


def load(apps, schema_editor):
    Domain = apps.get_model("assessments", "Domain")
    Element = apps.get_model("assessments", "Element")
    Marker = apps.get_model("assessments", "Marker")
    for code, name, plain, order in DOMAINS:
        Domain.objects.update_or_create(
            code=code, defaults={"name": name, "plain_name": plain, "order": order}
        )
    for order, (code, label, plain) in enumerate(ELEMENTS, start=1):
        Element.objects.update_or_create(
            code=code,
            patient=None,
            defaults={"domain_id": code[0], "label": label, "plain_label": plain, "order": order},
        )
    for loinc, name, plain, unit, display_unit, low, high in MARKERS:
        Marker.objects.update_or_create(
            loinc=loinc,
            defaults={
                "name": name,
                "plain_name": plain,
                "unit": unit,
                "display_unit": display_unit,
                "plausible_low": low,
                "plausible_high": high,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
