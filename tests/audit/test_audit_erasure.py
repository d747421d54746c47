"""Erasing an event's content (retention, GDPR erasure) keeps every chain verifiable; clearing it any other way,
or altering it, is caught."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import ERASURE_ACTION, AuditChain, AuditEvent
from audit.services import audit_erase_content, audit_record, audit_verify_all, chain_key_for
from tests.factories import CentreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(centre, actor, n=4):
    with transaction.atomic():
        return [audit_record(action="evidence.submitted", actor=actor, centre=centre, target=actor,
                             data={"title": f"Latte art {i}", "reflection": "I steamed the milk"}) for i in range(n)]


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_new_events_commit_to_their_content_with_a_salt():
    event = _events(CentreFactory(), UserFactory(email="ana@example.org"), 1)[0]
    stored = AuditEvent.objects.get(pk=event.pk)
    assert len(stored.salt) == 32 and len(stored.content_digest) == 64
    assert stored.compute_content_digest() == stored.content_digest
    assert "ana@example.org" not in stored.content_digest
    # the same content under another salt commits differently: the digest cannot be matched against a guess
    other = AuditEvent(actor_label=stored.actor_label, data=stored.data, salt="0" * 32)
    assert other.compute_content_digest() != stored.content_digest


def test_erasing_content_keeps_the_chain_verifying_and_records_the_erasure(capsys):
    centre, learner = CentreFactory(), UserFactory(email="ana@example.org")
    events = _events(centre, learner)
    with transaction.atomic():
        records = audit_erase_content(events=events[1:3], actor=None, reason="retention", data={"batch": 7})
    erased = AuditEvent.objects.filter(pk__in=[e.pk for e in events[1:3]])
    assert all(e.is_erased and e.data == {} and e.actor_label == "" and e.salt == "" for e in erased)
    assert AuditEvent.objects.get(pk=events[0].pk).data["title"] == "Latte art 0"  # the others are untouched
    [record] = records
    assert record.action == ERASURE_ACTION and record.chain_key == chain_key_for(centre.pk)
    assert record.data["seqs"] == [events[1].seq, events[2].seq] and record.data["reason"] == "retention"
    assert "ana@example.org" not in str(record.data)
    assert audit_verify_all() == (1, [])
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out


def test_erasing_twice_or_erasing_an_erasure_record_changes_nothing():
    centre, learner = CentreFactory(), UserFactory()
    events = _events(centre, learner, 2)
    with transaction.atomic():
        [record] = audit_erase_content(events=events[:1], actor=None, reason="retention")
        assert audit_erase_content(events=events[:1], actor=None, reason="retention") == []
        assert audit_erase_content(events=[record], actor=None, reason="retention") == []
    assert AuditEvent.objects.get(pk=record.pk).data["seqs"] == [events[0].seq]
    assert AuditChain.objects.get(key=chain_key_for(centre.pk)).last_seq == 3
    assert audit_verify_all() == (1, [])


def test_content_cleared_outside_the_erasure_service_is_reported():
    centre, learner = CentreFactory(), UserFactory()
    events = _events(centre, learner, 3)
    _raw("UPDATE audit_auditevent SET data = %s, actor_label = '', salt = '', erased_at = created_at WHERE id = %s",
         ["{}", events[1].pk])
    chains, breaks = audit_verify_all()
    assert [(b.seq, b.reason) for b in breaks] == [(events[1].seq, "was erased with no erasure record")]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_altered_content_is_caught_by_its_digest():
    centre, learner = CentreFactory(), UserFactory()
    events = _events(centre, learner, 2)
    _raw("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"title": "Forged"}', events[0].pk])
    [problem] = audit_verify_all()[1]
    assert problem.seq == events[0].seq and "content does not match" in problem.reason


def test_format_1_events_still_verify_and_are_never_erased():
    centre = CentreFactory()
    with transaction.atomic():
        first = _events(centre, UserFactory(), 1)[0]
        chain = AuditChain.objects.select_for_update().get(key=chain_key_for(centre.pk))
        legacy = AuditEvent(chain_key=chain.key, seq=chain.last_seq + 1, centre_id=centre.pk, actor_label="old@x.org",
                            action="evidence.submitted", created_at=first.created_at, data={"title": "Old"},
                            prev_hash=chain.last_hash)
        legacy.hash = legacy.compute_hash()  # no content digest: format 1 hashes its content directly
        legacy.save()
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=legacy.seq, last_hash=legacy.hash)
        assert audit_erase_content(events=[legacy], actor=None, reason="retention") == []
    assert AuditEvent.objects.get(pk=legacy.pk).data == {"title": "Old"}
    assert audit_verify_all() == (1, [])


def test_postgresql_lets_through_only_a_true_erasure(postgres):
    centre, learner = CentreFactory(), UserFactory()
    events = _events(centre, learner, 2)
    for sql in ("UPDATE audit_auditevent SET data = '{}'::jsonb WHERE id = %s",  # content cleared, salt kept
                "UPDATE audit_auditevent SET data = '{}'::jsonb, actor_label = '', salt = '', erased_at = now(), "
                "action = 'forged' WHERE id = %s",  # a hashed column changed on the way
                "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [events[0].pk])
    with transaction.atomic():
        audit_erase_content(events=events[:1], actor=None, reason="erasure-request")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        # once erased, nothing more: not even a second "erasure" that sets a new time
        cursor.execute("UPDATE audit_auditevent SET erased_at = now() WHERE id = %s", [events[0].pk])
    assert audit_verify_all() == (1, [])
