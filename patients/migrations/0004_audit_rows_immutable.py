"""On PostgreSQL, audit rows cannot be changed or deleted, even by SQL that bypasses the app."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION patients_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events cannot be changed or deleted';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER patients_auditevent_immutable
    BEFORE UPDATE OR DELETE ON patients_auditevent
    FOR EACH ROW EXECUTE FUNCTION patients_auditevent_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS patients_auditevent_immutable ON patients_auditevent;
DROP FUNCTION IF EXISTS patients_auditevent_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_invitation")]

    operations = [migrations.RunPython(forwards, backwards)]
