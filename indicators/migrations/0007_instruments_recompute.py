"""Stored summaries predate the instruments: mark every patient's summaries out of date, so the
minute sweep (or the nightly rebuild) fills in their instruments and the teams' figures."""

from django.db import migrations
from django.db.models import F


def mark_stale(apps, schema_editor):
    SummaryState = apps.get_model("indicators", "SummaryState")
    SummaryState.objects.update(dirty=F("dirty") + 1)
    for name in ("TeamSummary", "CaseloadSummary"):
        apps.get_model("indicators", name).objects.update(stale=True)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_patientsummary_instruments")]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
