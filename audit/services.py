import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import current_task
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction

from .models import ERASURE_ACTION, GENESIS_HASH, AuditChain, AuditEvent, object_type_of, subject_of


def chain_key_for(centre_id: int | None) -> str:
    return f"centre:{centre_id}" if centre_id else "global"


def _normalised(data: dict[str, Any] | None) -> dict[str, Any]:
    # What is hashed must be exactly what the database gives back, so go through JSON once.
    return json.loads(json.dumps(data or {}, default=str, sort_keys=True))


def _running_task() -> str:
    """The name of the Celery task recording an event, if one is: what it records is LEAP's own act (a badge awarded
    on a sign-off), even when it names the person whose act set it off as the actor."""
    return getattr(current_task, "name", None) or ""  # the proxy stands for None outside a task


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    centre=None,
    target: models.Model | None = None,
    subject: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to its centre's chain, inside the caller's transaction.

    The chain head row is locked, so concurrent acts on one centre are chained one after another.
    """
    centre_id = centre.pk if centre is not None else None
    key = chain_key_for(centre_id)
    task = _running_task()
    if task:
        data = {**(data or {}), "automatic": task}
    with transaction.atomic():
        chain, _ = AuditChain.objects.select_for_update().get_or_create(key=key)
        event = AuditEvent(
            chain_key=key,
            seq=chain.last_seq + 1,
            centre_id=centre_id,
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=getattr(actor, "email", "") or "",
            action=action,
            object_type=object_type_of(target) if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            subject=subject_of(subject) if subject is not None else "",
            created_at=datetime.now(UTC),
            data=_normalised(data),
            prev_hash=chain.last_hash,
        )
        event.seal_content()
        event.hash = event.compute_hash()
        event.save()
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


class _CentreRef:
    """Stands for a centre known only by its id (the audit app imports no other app)."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


def audit_erase_content(*, events, actor: AbstractBaseUser | None, reason: str,
                        data: dict[str, Any] | None = None) -> list[AuditEvent]:
    """Erase the content (actor label and data) of the given events, keeping every chain verifiable.

    ``events`` is a queryset or a list of events. Only format-2 events are erased (format 1 cannot be), never an
    erasure record, and never one already erased. Each chain touched gets one ``audit.content_erased`` event
    listing the sequence numbers erased and why: ``reason`` is a short code (``retention``, ``erasure-request``);
    ``data`` adds references such as the approval's id, and must hold no personal data. Returns the erasure
    records written. Runs inside the caller's transaction.
    """
    ids = [e.pk for e in events] if isinstance(events, list | tuple) else events.values("pk")
    records: list[AuditEvent] = []
    with transaction.atomic():
        candidates = (AuditEvent.objects.filter(pk__in=ids).filter(erased_at__isnull=True)
                      .exclude(content_digest="").exclude(action=ERASURE_ACTION))
        by_chain: dict[str, list[int]] = {}
        centres: dict[str, int | None] = {}
        pks: list[int] = []
        for pk, key, seq, centre_id in candidates.values_list("pk", "chain_key", "seq", "centre_id"):
            by_chain.setdefault(key, []).append(seq)
            centres[key] = centre_id
            pks.append(pk)
        if not pks:
            return records
        AuditEvent.objects.filter(pk__in=pks)._erase_content(datetime.now(UTC))
        for key in sorted(by_chain):
            centre_id = centres[key]
            records.append(audit_record(
                action=ERASURE_ACTION, actor=actor,
                centre=_CentreRef(centre_id) if centre_id else None,
                data={**(data or {}), "reason": reason, "seqs": sorted(by_chain[key]), "count": len(by_chain[key])}))
    return records


@dataclass(frozen=True)
class ChainBreak:
    chain_key: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain_key}: event #{self.seq} (id {self.event_id}) {self.reason}"


def audit_verify_chain(key: str) -> ChainBreak | None:
    """Recompute one chain from its start; return the first broken event, or None if it verifies.

    An erased event verifies by the commitment its hash covers; it must be listed by a later erasure record of
    the same chain, or it counts as broken (content cleared outside LEAP's erasure)."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    unrecorded_erasures: dict[int, int] = {}  # seq -> event id
    for event in AuditEvent.objects.filter(chain_key=key).order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainBreak(key, expected_seq, None, f"is missing (next found is #{event.seq})")
        if event.prev_hash != expected_prev:
            return ChainBreak(key, event.seq, event.pk, "does not link to the event before it")
        if event.compute_hash() != event.hash:
            return ChainBreak(key, event.seq, event.pk, "has been altered (its hash does not match)")
        if event.content_digest and not event.is_erased and event.compute_content_digest() != event.content_digest:
            return ChainBreak(key, event.seq, event.pk, "has been altered (its content does not match its digest)")
        if event.is_erased:
            unrecorded_erasures[event.seq] = event.pk
        if event.action == ERASURE_ACTION:
            for seq in event.data.get("seqs", []):
                unrecorded_erasures.pop(seq, None)
        expected_prev, expected_seq = event.hash, event.seq + 1
    if unrecorded_erasures:
        seq = min(unrecorded_erasures)
        return ChainBreak(key, seq, unrecorded_erasures[seq], "was erased with no erasure record")
    head = AuditChain.objects.filter(key=key).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return ChainBreak(key, expected_seq, None, f"is missing (chain head says #{head.last_seq})")
    return None


def audit_verify_all() -> tuple[int, list[ChainBreak]]:
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEvent.objects.values_list("chain_key", flat=True).distinct())
    breaks = [b for key in sorted(keys) if (b := audit_verify_chain(key)) is not None]
    return len(keys), breaks
