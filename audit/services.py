import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import current_task
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction

from .models import GENESIS_HASH, AuditChain, AuditEvent, object_type_of, subject_of


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
        event.hash = event.compute_hash()
        event.save()
        AuditChain.objects.filter(pk=chain.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainBreak:
    chain_key: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain_key}: event #{self.seq} (id {self.event_id}) {self.reason}"


def audit_verify_chain(key: str) -> ChainBreak | None:
    """Recompute one chain from its start; return the first broken event, or None if it verifies."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in AuditEvent.objects.filter(chain_key=key).order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainBreak(key, expected_seq, None, f"is missing (next found is #{event.seq})")
        if event.prev_hash != expected_prev:
            return ChainBreak(key, event.seq, event.pk, "does not link to the event before it")
        if event.compute_hash() != event.hash:
            return ChainBreak(key, event.seq, event.pk, "has been altered (its hash does not match)")
        expected_prev, expected_seq = event.hash, event.seq + 1
    head = AuditChain.objects.filter(key=key).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return ChainBreak(key, expected_seq, None, f"is missing (chain head says #{head.last_seq})")
    return None


def audit_verify_all() -> tuple[int, list[ChainBreak]]:
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEvent.objects.values_list("chain_key", flat=True).distinct())
    breaks = [b for key in sorted(keys) if (b := audit_verify_chain(key)) is not None]
    return len(keys), breaks
