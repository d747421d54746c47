import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record, audit_verify_all
from tests.factories import CentreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record_some(centre, actor, n=3):
    with transaction.atomic():
        return [audit_record(action="test.act", actor=actor, centre=centre, target=actor, data={"i": i})
                for i in range(n)]


def test_events_chain_per_centre_each_linking_to_the_one_before():
    actor, a, b = UserFactory(), CentreFactory(), CentreFactory()
    first_a, second_a = _record_some(a, actor, 2)
    first_b = _record_some(b, actor, 1)[0]
    assert (first_a.seq, second_a.seq, first_b.seq) == (1, 2, 1)
    assert second_a.prev_hash == first_a.hash
    assert first_b.prev_hash == "0" * 64
    assert audit_verify_all() == (2, [])


def test_an_event_records_who_what_on_what_and_the_data():
    actor, centre = UserFactory(email="actor@example.org"), CentreFactory()
    with transaction.atomic():
        event = audit_record(action="invitation.sent", actor=actor, centre=centre, target=centre,
                             data={"email": "x@example.org"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_label, stored.action) == (actor, "actor@example.org", "invitation.sent")
    assert (stored.object_type, stored.object_id, stored.centre_id) == ("centres.centre", str(centre.pk), centre.pk)
    assert stored.data == {"email": "x@example.org"}
    assert stored.compute_hash() == stored.hash


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = _record_some(CentreFactory(), UserFactory(), 1)[0]
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # what an attacker with DB superuser does
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_verify_audit_names_the_first_altered_event(capsys):
    centre = CentreFactory()
    events = _record_some(centre, UserFactory(), 5)
    call_command("verify_audit")
    assert "OK: 1 audit chains verified" in capsys.readouterr().out

    _tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"i": 99}', events[2].pk])
    with pytest.raises(CommandError, match="1 of 1 audit chains are broken"):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"chain centre:{centre.pk}: event #3 (id {events[2].pk}) has been altered" in err


def test_verify_audit_detects_a_deleted_event():
    centre = CentreFactory()
    events = _record_some(centre, UserFactory(), 4)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    _, breaks = audit_verify_all()
    assert len(breaks) == 1 and breaks[0].seq == 2 and "missing" in breaks[0].reason


def test_verify_audit_detects_a_rewritten_hash_that_breaks_the_link():
    centre = CentreFactory()
    events = _record_some(centre, UserFactory(), 3)
    forged = events[1]
    forged_data = {"i": 42}
    # Recompute a self-consistent hash for the forged event: the next event no longer links to it.
    forged.data = forged_data
    forged.content_digest = forged.compute_content_digest()  # the commitment recomputed too
    new_hash = forged.compute_hash()
    _tamper("UPDATE audit_auditevent SET data = %s, content_digest = %s, hash = %s WHERE id = %s",
            ['{"i": 42}', forged.content_digest, new_hash, forged.pk])
    _, breaks = audit_verify_all()
    assert breaks[0].seq == 3 and "does not link" in breaks[0].reason
