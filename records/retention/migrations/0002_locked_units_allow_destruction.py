"""On PostgreSQL the database refuses changes to a signed-off unit's record (assessment/migrations/0002). A
retention rule's destruction must clear texts in such a record: the lock trigger lets an UPDATE through in a
transaction that has said it destroys under a rule (`SET LOCAL leap.retention_destroying = 'on'`, done only by
records.retention.destruction.destroy_records, which records what it changed in the audit trail). A change made
that way without the destruction record is still reported by verify_audit (assessment.seals.verify_seals)."""

import importlib

from django.db import migrations

GUARD = "IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;"
BYPASS = ("IF TG_OP = 'UPDATE' AND coalesce(current_setting('leap.retention_destroying', true), '') = 'on' "
          "THEN RETURN NEW; END IF;\n    ")


def _original() -> str:
    return importlib.import_module("assessment.migrations.0002_lock_triggers").CREATE


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    original = _original()
    assert GUARD in original
    schema_editor.execute(original.replace(GUARD, BYPASS + GUARD), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_original(), params=None)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial"), ("assessment", "0006_comment_snippet")]
    operations = [migrations.RunPython(forwards, backwards)]
