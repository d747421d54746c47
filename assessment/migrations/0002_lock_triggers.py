"""On PostgreSQL the database itself refuses changes to the record of a signed-off (locked) unit:
its evidence, files, criteria mappings, decisions, feedback and achieved criteria."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION leap_unit_locked(p_enrolment bigint, p_unit bigint) RETURNS boolean AS $$
    SELECT EXISTS (SELECT 1 FROM portfolios_enrolmentunit
                   WHERE enrolment_id = p_enrolment AND unit_id = p_unit AND locked_at IS NOT NULL);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION leap_evidence_locked(p_evidence bigint) RETURNS boolean AS $$
    SELECT EXISTS (SELECT 1 FROM portfolios_evidencecriterion ec
                   JOIN portfolios_evidence e ON e.id = ec.evidence_id
                   JOIN portfolios_enrolmentunit eu ON eu.enrolment_id = e.enrolment_id AND eu.unit_id = ec.unit_id
                   WHERE ec.evidence_id = p_evidence AND eu.locked_at IS NOT NULL);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION leap_refuse_locked() RETURNS trigger AS $$
DECLARE
    row_data record;
    locked boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
    IF TG_TABLE_NAME = 'portfolios_evidence' THEN
        locked := leap_evidence_locked(OLD.id);
    ELSIF TG_TABLE_NAME IN ('portfolios_evidencefile', 'portfolios_evidencesubmission') THEN
        locked := leap_evidence_locked(row_data.evidence_id)
                  OR (TG_OP = 'UPDATE' AND leap_evidence_locked(OLD.evidence_id));
    ELSIF TG_TABLE_NAME = 'portfolios_evidencecriterion' THEN
        SELECT leap_unit_locked(e.enrolment_id, row_data.unit_id) INTO locked
            FROM portfolios_evidence e WHERE e.id = row_data.evidence_id;
        locked := coalesce(locked, false) OR leap_evidence_locked(row_data.evidence_id);
    ELSIF TG_TABLE_NAME IN ('assessment_criteriondecision', 'portfolios_achievedcriterion') THEN
        locked := leap_unit_locked(row_data.enrolment_id, row_data.unit_id)
                  OR (TG_OP = 'UPDATE' AND leap_unit_locked(OLD.enrolment_id, OLD.unit_id));
    ELSIF TG_TABLE_NAME = 'assessment_review' THEN
        SELECT bool_or(leap_unit_locked(d.enrolment_id, d.unit_id)) INTO locked
            FROM assessment_criteriondecision d WHERE d.review_id = OLD.id;
        locked := coalesce(locked, false);
    END IF;
    IF locked THEN
        RAISE EXCEPTION 'unit is signed off and locked: % refused on %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

TABLES = {
    "portfolios_evidence": "UPDATE OR DELETE",
    "portfolios_evidencefile": "INSERT OR UPDATE OR DELETE",
    "portfolios_evidencesubmission": "INSERT OR UPDATE OR DELETE",
    "portfolios_evidencecriterion": "INSERT OR UPDATE OR DELETE",
    "portfolios_achievedcriterion": "INSERT OR UPDATE OR DELETE",
    "assessment_criteriondecision": "INSERT OR UPDATE OR DELETE",
    "assessment_review": "UPDATE OR DELETE",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table, events in TABLES.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS leap_lock ON {table}", params=None)
        schema_editor.execute(f"CREATE TRIGGER leap_lock BEFORE {events} ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION leap_refuse_locked()", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS leap_lock ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS leap_refuse_locked(); DROP FUNCTION IF EXISTS "
                          "leap_evidence_locked(bigint); DROP FUNCTION IF EXISTS leap_unit_locked(bigint, bigint);",
                          params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial"), ("portfolios", "0004_evidencesubmission")]
    operations = [migrations.RunPython(forwards, backwards)]
