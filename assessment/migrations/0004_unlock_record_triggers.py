"""On PostgreSQL the lock itself is guarded: a signed-off unit's `locked_at` can only be cleared in a transaction
that first wrote its unlock record (assessment_unitunlock), a locked unit's row cannot be moved to another
enrolment or unit, nor deleted; and unlock records are append-only."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION leap_unit_unlock_record() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.transaction_id := txid_current();
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'unit unlock records are append-only: % refused on assessment_unitunlock', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION leap_guard_unit_lock() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'unit is signed off and locked: DELETE refused on portfolios_enrolmentunit'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.enrolment_id <> OLD.enrolment_id OR NEW.unit_id <> OLD.unit_id THEN
        RAISE EXCEPTION 'unit is signed off and locked: its enrolment and unit cannot change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.locked_at IS NOT DISTINCT FROM OLD.locked_at THEN
        RETURN NEW;
    END IF;
    IF NEW.locked_at IS NULL AND EXISTS (
            SELECT 1 FROM assessment_unitunlock u
            WHERE u.enrolment_unit_id = OLD.id AND u.transaction_id = txid_current()) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'unit is signed off and locked: its lock is cleared only by a recorded unlock '
                    '(assessment_unitunlock, written first in the same transaction)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS leap_unlock_record ON assessment_unitunlock;
CREATE TRIGGER leap_unlock_record BEFORE INSERT OR UPDATE OR DELETE ON assessment_unitunlock
    FOR EACH ROW EXECUTE FUNCTION leap_unit_unlock_record();
DROP TRIGGER IF EXISTS leap_unlock_record_truncate ON assessment_unitunlock;
CREATE TRIGGER leap_unlock_record_truncate BEFORE TRUNCATE ON assessment_unitunlock
    FOR EACH STATEMENT EXECUTE FUNCTION leap_unit_unlock_record();
DROP TRIGGER IF EXISTS leap_lock_state ON portfolios_enrolmentunit;
CREATE TRIGGER leap_lock_state BEFORE UPDATE OR DELETE ON portfolios_enrolmentunit
    FOR EACH ROW EXECUTE FUNCTION leap_guard_unit_lock();
"""

DROP = """
DROP TRIGGER IF EXISTS leap_lock_state ON portfolios_enrolmentunit;
DROP TRIGGER IF EXISTS leap_unlock_record_truncate ON assessment_unitunlock;
DROP TRIGGER IF EXISTS leap_unlock_record ON assessment_unitunlock;
DROP FUNCTION IF EXISTS leap_guard_unit_lock();
DROP FUNCTION IF EXISTS leap_unit_unlock_record();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0003_unitunlock")]
    operations = [migrations.RunPython(forwards, backwards)]
