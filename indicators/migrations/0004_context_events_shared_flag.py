"""Stored summaries now note, with each context event, whether the patient may see it.

Summaries stored before carry events without that note; until they are recomputed a patient
receives none of them (``indicators.selectors.context_events_shown``). This marks the summaries
of every patient with a context event stale, so the sweep recomputes them with the note.
"""

from django.db import migrations
from django.db.models import F


def mark_stale(apps, schema_editor):
    SummaryState = apps.get_model("indicators", "SummaryState")
    ContextEvent = apps.get_model("patients", "ContextEvent")
    SummaryState.objects.filter(
        patient_id__in=ContextEvent.objects.values("patient_id")
    ).update(dirty=F("dirty") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_summary_state"),
        ("patients", "0004_audit_rows_immutable"),
    ]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
