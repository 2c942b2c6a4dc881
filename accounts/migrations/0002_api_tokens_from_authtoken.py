"""Move the tokens of DRF's authtoken table into ApiToken, keeping only a hash of each key, so
that integrations keep working; then empty that table, which held the keys in plain text.

A database that never had the table (a fresh one: authtoken is no longer installed) has nothing
to move. Moved tokens get the full API_TOKEN_DAYS from the day of the migration.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

TABLE = "authtoken_token"
NAME = "API token from before tokens had names"


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def move_authtoken_keys(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} FROM {quote(TABLE)}"
        )
        rows = cursor.fetchall()
    expires = timezone.now() + timedelta(days=getattr(settings, "API_TOKEN_DAYS", 90))
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name=NAME,
            prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            created_at=_aware(created),
            expires_at=expires,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(TABLE)}")  # noqa: S608 - a fixed table name


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(move_authtoken_keys, migrations.RunPython.noop, elidable=True),
    ]
