# Each patient summary keeps the scores of the latest response to each validated instrument in
# its quarter (issue #15); existing summaries get an empty dict until the next rebuild.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_summarystate_computed_up_to'),
    ]

    operations = [
        migrations.AddField(
            model_name='patientsummary',
            name='instruments',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
