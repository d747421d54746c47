"""Signed checkpoints of each chain's head, kept outside the database: a chain recomputed, shortened, emptied or
truncated by someone with database access alone is reported, naming the first checkpoint it contradicts."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.checkpoints import audit_checkpoints_write, audit_verify_checkpoints, new_signing_key
from audit.models import GENESIS_HASH, AuditEvent
from audit.services import audit_verify_all
from audit.tasks import audit_checkpoint
from tests.factories import CentreFactory, UserFactory

from .test_audit_chain import _record_some, _tamper

pytestmark = pytest.mark.django_db


def _checkpoint() -> list:
    return audit_checkpoints_write().written


def _recompute_from(key: str, seq: int, data: dict) -> None:
    """What an attacker with database access does: change one event and rehash the chain from there on."""
    previous = AuditEvent.objects.get(chain_key=key, seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for event in AuditEvent.objects.filter(chain_key=key, seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.data = data
            event.content_digest = event.compute_content_digest()  # the commitment recomputed too
        event.prev_hash = previous
        previous = event.hash = event.compute_hash()
        _tamper("UPDATE audit_auditevent SET data = %s, content_digest = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.data), event.content_digest, event.prev_hash, event.hash, event.pk])
    _tamper("UPDATE audit_auditchain SET last_hash = %s WHERE key = %s", [previous, key])


def test_each_chain_gets_a_signed_checkpoint_when_its_head_moves(capsys):
    a, b, actor = CentreFactory(), CentreFactory(), UserFactory()
    _record_some(a, actor, 3)
    _record_some(b, actor, 1)
    written = _checkpoint()
    assert sorted((c.chain_key, c.seq) for c in written) == [(f"centre:{a.pk}", 3), (f"centre:{b.pk}", 1)]
    document = json.loads(storages["audit_checkpoints"].open(f"checkpoints/centre-{a.pk}/000000000003.json").read())
    assert document["hash"] == AuditEvent.objects.get(chain_key=f"centre:{a.pk}", seq=3).hash
    assert document["signature"] and document["key_id"]
    assert _checkpoint() == []  # nothing moved
    _record_some(a, actor, 1)
    assert audit_checkpoint() == 1  # the beat's task
    call_command("verify_audit")
    assert "OK: 2 audit chains verified; 3 checkpoints checked" in capsys.readouterr().out


def test_a_recomputed_chain_is_reported_naming_the_first_checkpoint_it_contradicts(capsys):
    centre = CentreFactory()
    key = f"centre:{centre.pk}"
    _record_some(centre, UserFactory(), 3)
    _checkpoint()
    _record_some(centre, UserFactory(), 2)
    _checkpoint()
    _recompute_from(key, 2, {"i": 42})
    assert audit_verify_all() == (1, [])  # the hash chain alone cannot tell
    (problem,) = audit_verify_checkpoints()
    assert problem.startswith(f"chain {key} contradicts checkpoint #3 of ")
    assert problem.endswith("(the chain has been rewritten or reordered up to there); "
                            "1 later checkpoints are contradicted too")
    with pytest.raises(CommandError, match="1 checkpoint problems"):
        call_command("verify_audit")
    assert f"BROKEN chain {key} contradicts checkpoint #3" in capsys.readouterr().err
    # And no new checkpoint will vouch for the rewritten chain.
    _record_some(centre, UserFactory(), 1)
    run = audit_checkpoints_write()
    assert run.written == [] and run.refused[0].startswith(f"chain {key} contradicts checkpoint #3")


def test_a_shortened_chain_is_reported(capsys):
    centre = CentreFactory()
    key = f"centre:{centre.pk}"
    events = _record_some(centre, UserFactory(), 5)
    _checkpoint()
    _tamper("DELETE FROM audit_auditevent WHERE chain_key = %s AND seq > 3", [key])
    _tamper("UPDATE audit_auditchain SET last_seq = 3, last_hash = %s WHERE key = %s", [events[2].hash, key])
    assert audit_verify_all() == (1, [])
    (problem,) = audit_verify_checkpoints()
    assert problem.startswith(f"chain {key} ends at event #3, before checkpoint #5 of ")
    assert problem.endswith("events have been removed (truncated or shortened)")


def test_a_chain_emptied_with_its_head_is_reported():
    centre = CentreFactory()
    key = f"centre:{centre.pk}"
    _record_some(centre, UserFactory(), 2)
    _checkpoint()
    _tamper("DELETE FROM audit_auditevent WHERE chain_key = %s", [key])
    _tamper("DELETE FROM audit_auditchain WHERE key = %s", [key])
    assert audit_verify_all() == (0, [])
    (problem,) = audit_verify_checkpoints()
    assert problem.startswith(f"chain {key} has no events at all (emptied or truncated), but checkpoint #2 of ")


@pytest.mark.django_db(transaction=True)  # TRUNCATE needs a transaction without pending constraint checks
def test_a_truncated_audit_log_on_postgres_is_refused_and_if_forced_reported(postgres):
    centre = CentreFactory()
    _record_some(centre, UserFactory(), 2)
    _checkpoint()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 2
    _tamper("TRUNCATE audit_auditevent", [])  # a superuser, triggers off
    (problem,) = audit_verify_checkpoints()
    assert problem.startswith(f"chain centre:{centre.pk} has no events at all")


def test_a_forged_or_foreign_checkpoint_is_reported(settings):
    centre = CentreFactory()
    _record_some(centre, UserFactory(), 2)
    (written,) = _checkpoint()
    storage = storages["audit_checkpoints"]
    document = json.loads(storage.open(written.name).read())
    forged = {**document, "seq": 1, "hash": AuditEvent.objects.get(seq=1).hash}
    storage.save(f"checkpoints/centre-{centre.pk}/000000000001.json", ContentFile(json.dumps(forged).encode()))
    foreign_key, _ = new_signing_key()
    settings.LEAP_AUDIT_CHECKPOINT_KEY = foreign_key
    _record_some(centre, UserFactory(), 1)
    audit_checkpoints_write()  # signed with the new key, which is configured
    settings.LEAP_AUDIT_CHECKPOINT_KEY = ""  # the key is gone: its checkpoints cannot be trusted
    problems = sorted(audit_verify_checkpoints())
    assert problems == sorted([
        f"checkpoint checkpoints/centre-{centre.pk}/000000000001.json has an invalid signature (forged or altered)",
        f"checkpoint checkpoints/centre-{centre.pk}/000000000003.json is signed by an unknown key "
        f"({json.loads(storage.open(f'checkpoints/centre-{centre.pk}/000000000003.json').read())['key_id']})",
    ])


def test_a_retired_key_still_verifies_through_its_public_key(settings):
    private, public = new_signing_key()
    settings.LEAP_AUDIT_CHECKPOINT_KEY = private
    _record_some(CentreFactory(), UserFactory(), 1)
    _checkpoint()
    settings.LEAP_AUDIT_CHECKPOINT_KEY, settings.LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS = "", [public]
    problems = audit_verify_checkpoints()
    assert problems == [] and problems.summary == "1 checkpoints checked"


def test_the_beat_checkpoints_every_hour():
    from celery.schedules import crontab
    from django.conf import settings

    from leap.celery import app as celery_app

    celery_app.loader.import_default_modules()
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "audit.tasks.audit_checkpoint"]
    assert entry["schedule"] == crontab(minute=7) and entry["task"] in celery_app.tasks
