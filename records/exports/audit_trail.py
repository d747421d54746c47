"""The audit part of an export's manifest: for each locked (signed-off) unit its seal, the audit events about it
(in full), and what shows offline that they belong to their centre's hash chain.

The proof is bounded: for each event, the chain from that event up to the first signed checkpoint at or after it
(checkpoints are written on a schedule, so that stretch is short), each linking event given by its skeleton only —
what its hash covers, with the salted content digest instead of its content, so no one else's data is exported.
The chain's latest checkpoint is included too, and every checkpoint comes with the public key that signed it.
An event newer than every checkpoint gets no links (an unsigned head would prove nothing) and is marked unsigned."""

import datetime
import json

from assessment.seals import seal_hash
from assessment.timeline import unit_timeline
from audit.checkpoints import (
    Checkpoint,
    checkpoint_storage,
    public_key_text,
    stored_checkpoints,
    verifying_keys,
)
from audit.models import AuditEvent

from .portfolio import Portfolio, evidence_ref

SKELETON = ("chain", "seq", "centre", "actor", "action", "object_type", "object_id", "subject", "created_at",
            "content_digest", "prev_hash", "hash")


def full_event(event: AuditEvent) -> dict:
    return {
        "chain": event.chain_key, "seq": event.seq, "centre": event.centre_id, "actor": event.actor_id,
        "actor_label": event.actor_label, "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "subject": event.subject, "created_at": event.created_at.isoformat(),
        "data": event.data, "salt": event.salt, "content_digest": event.content_digest,
        "erased_at": event.erased_at.isoformat() if event.erased_at else None,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }


def skeleton(event: AuditEvent) -> dict:
    if not event.content_digest:  # format 1 hashes its content itself: only the link is shown
        return {"chain": event.chain_key, "seq": event.seq, "format": 1, "prev_hash": event.prev_hash,
                "hash": event.hash}
    return {key: value for key, value in full_event(event).items() if key in SKELETON}


def event_from(document: dict) -> AuditEvent:
    """An unsaved event rebuilt from its exported form, to recompute its hash and content digest."""
    return AuditEvent(
        chain_key=document["chain"], seq=document["seq"], centre_id=document.get("centre"),
        actor_id=document.get("actor"), actor_label=document.get("actor_label", ""), action=document["action"],
        object_type=document.get("object_type", ""), object_id=document.get("object_id", ""),
        subject=document.get("subject", ""), created_at=datetime.datetime.fromisoformat(document["created_at"]),
        data=document.get("data", {}), prev_hash=document["prev_hash"], hash=document["hash"],
        content_digest=document.get("content_digest", ""), salt=document.get("salt", ""))


def sealed_units(portfolio: Portfolio, paths: dict) -> tuple[list[dict], dict]:
    """(one entry per locked unit, the chains' proofs by chain key)."""
    units, events_by_chain = [], {}
    for record in portfolio.enrolments:
        for unit in record.units:
            sign_off = unit.current_sign_off
            if sign_off is None:
                continue
            events = unit_timeline(record.enrolment, unit.unit)
            for event in events:
                events_by_chain.setdefault(event.chain_key, {})[event.seq] = event
            seal = sign_off.seal
            units.append({
                "enrolment": record.ref, "unit": unit.unit.code, "sign_off": sign_off.number,
                "signed_off_at": sign_off.signed_off_at.isoformat(), "seal_hash": sign_off.seal_hash,
                "seal": seal,
                "evidence": {str(e["id"]): evidence_ref(e["id"]) for e in seal.get("evidence", [])},
                "files": {str(f["id"]): paths[("evidence", f["id"])]["path"]
                          for f in seal.get("files", []) if ("evidence", f["id"]) in paths},
                "events": [{"chain": e.chain_key, "seq": e.seq} for e in events],
            })
    return units, {key: _chain_proof(key, events) for key, events in sorted(events_by_chain.items())}


def _chain_proof(chain_key: str, events: dict[int, AuditEvent]) -> dict:
    checkpoints = stored_checkpoints().by_chain.get(chain_key, [])
    seqs = sorted(events)
    covering: list[Checkpoint] = []
    spans = []
    for seq in seqs:
        cover = next((c for c in checkpoints if c.seq >= seq), None)
        if cover is not None and cover not in covering:
            covering.append(cover)
        spans.append((seq, cover.seq if cover else None))
    head = AuditEvent.objects.filter(chain_key=chain_key).order_by("-seq").values_list("seq", flat=True).first()
    needed: set[int] = set()
    for start, end in spans:
        if end is not None:  # an event no signature covers yet: links to an unsigned head would prove nothing
            needed.update(range(start, end + 1))
    links = AuditEvent.objects.filter(chain_key=chain_key, seq__in=needed - set(seqs)).order_by("seq")
    if checkpoints and checkpoints[-1] not in covering:
        covering.append(checkpoints[-1])
    return {
        "events": [full_event(events[seq]) for seq in seqs],
        "links": [skeleton(e) for e in links.iterator(chunk_size=2000)],
        "checkpoints": [_signed_document(c) for c in covering],
        "unsigned_from": next((start for start, end in spans if end is None), None),
        "head_seq": head,
    }


def _signed_document(checkpoint: Checkpoint) -> dict:
    with checkpoint_storage().open(checkpoint.name, "rb") as handle:
        document = json.loads(handle.read())
    key = verifying_keys().get(document.get("key_id"))
    return {"name": checkpoint.name, "document": document,
            "public_key": public_key_text(key) if key is not None else None}


def seal_is_whole(seal: dict, recorded_hash: str) -> bool:
    return seal_hash(seal) == recorded_hash
