# The SummaryState column ``clean`` shadowed Model.clean(); it is the dirty count the last
# computation started from, so it is now called ``computed_up_to``. The partial index of stale
# states names the column in its condition, so it is made again over the new name.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_context_events_shared_flag"),
    ]

    operations = [
        migrations.RenameField(
            model_name="summarystate",
            old_name="clean",
            new_name="computed_up_to",
        ),
        migrations.RemoveIndex(model_name="summarystate", name="summarystate_stale_idx"),
        migrations.AddIndex(
            model_name="summarystate",
            index=models.Index(
                condition=models.Q(("dirty__gt", models.F("computed_up_to"))),
                fields=["marked_at"],
                name="summarystate_stale_idx",
            ),
        ),
    ]
