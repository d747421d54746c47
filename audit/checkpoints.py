"""Checkpoints: each chain's head (sequence number and hash), signed with a key that is not in the database and
written outside it, so that whoever can only write to the database cannot rewrite, shorten or empty the audit
trail undetected. `verify_audit` checks every chain against them.

Signing is Ed25519. ``settings.LEAP_AUDIT_CHECKPOINT_KEY`` holds one or more private keys (32-byte seeds,
url-safe base64, as `manage.py audit_checkpoint --generate-key` prints them), comma-separated: the first
signs, all verify. Unset, a key derived from ``SECRET_KEY`` with HKDF is used (embedded mode needs no setup);
it always stays last, so checkpoints made before the setting was set still verify. Production should set its
own. ``settings.LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS`` lists public keys that verify but cannot sign (retired
keys, or a verifying host that must not hold the private key).

Checkpoints go to ``storages["audit_checkpoints"]`` (a directory under var/ in embedded mode; an S3 prefix,
with object lock when configured, in production), one object per checkpoint, named
``checkpoints/<chain>/<seq>.json`` and never overwritten.
"""

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db.models import Max

from .models import GENESIS_HASH, AuditChain, AuditEvent

FORMAT = "leap.audit.checkpoint/1"
STORAGE_ALIAS = "audit_checkpoints"
ROOT = "checkpoints"


# --- Keys ----------------------------------------------------------------------------------------------------

def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def _derived_key() -> Ed25519PrivateKey:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"leap", info=b"leap.audit.checkpoints")
    return Ed25519PrivateKey.from_private_bytes(hkdf.derive(settings.SECRET_KEY.encode()))


def _signing_keys() -> list[Ed25519PrivateKey]:
    configured = [part.strip() for part in settings.LEAP_AUDIT_CHECKPOINT_KEY.split(",") if part.strip()]
    try:
        keys = [Ed25519PrivateKey.from_private_bytes(_b64decode(part)) for part in configured]
    except ValueError:
        raise ImproperlyConfigured("LEAP_AUDIT_CHECKPOINT_KEY must be Ed25519 private keys (32 bytes, url-safe "
                                   "base64), comma-separated: see manage.py audit_checkpoint --generate-key") from None
    return [*keys, _derived_key()]


def _verifying_keys() -> dict[str, Ed25519PublicKey]:
    keys = [k.public_key() for k in _signing_keys()]
    try:
        keys += [Ed25519PublicKey.from_public_bytes(_b64decode(part.strip()))
                 for part in settings.LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS if part.strip()]
    except ValueError:
        raise ImproperlyConfigured("LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS must be Ed25519 public keys (32 bytes, "
                                   "url-safe base64), comma-separated") from None
    return {key_id(k): k for k in keys}


def new_signing_key() -> tuple[str, str]:
    """A new signing key for LEAP_AUDIT_CHECKPOINT_KEY and its public key (url-safe base64)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return _b64encode(private), _b64encode(_raw_public(key.public_key()))



def verifying_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key that verifies checkpoints here, by key id (for exports that carry their own proof)."""
    return _verifying_keys()


def public_key_text(key: Ed25519PublicKey) -> str:
    """A public key as checkpoints name it: the raw 32 bytes, url-safe base64."""
    return _b64encode(_raw_public(key))


def decode_text(text: str) -> bytes:
    """The bytes of a url-safe base64 text from a checkpoint (a public key or a signature)."""
    return _b64decode(text)

# --- Checkpoints ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    chain_key: str
    seq: int
    hash: str
    created_at: str
    name: str = ""

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} of {self.created_at} ({self.name})"

    def signed_part(self, signer: str) -> bytes:
        payload = {"format": FORMAT, "chain": self.chain_key, "seq": self.seq, "hash": self.hash,
                   "created_at": self.created_at, "key_id": signer}
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def checkpoint_name(chain_key: str, seq: int) -> str:
    return f"{ROOT}/{chain_key.replace(':', '-')}/{seq:012d}.json"


def _document(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> bytes:
    signer = key_id(key.public_key())
    signature = key.sign(checkpoint.signed_part(signer))
    document = {**json.loads(checkpoint.signed_part(signer)), "signature": _b64encode(signature)}
    return json.dumps(document, indent=1, sort_keys=True).encode()


def _read(storage: Storage, name: str, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    """The checkpoint stored under `name`; ValueError saying why when it cannot be trusted."""
    with storage.open(name, "rb") as handle:
        try:
            document = json.loads(handle.read())
            checkpoint = Checkpoint(chain_key=document["chain"], seq=int(document["seq"]), hash=document["hash"],
                                    created_at=document["created_at"], name=name)
            signer, signature = document["key_id"], _b64decode(document["signature"])
        except (ValueError, KeyError, TypeError):
            raise ValueError("is not a readable checkpoint") from None
    if document.get("format") != FORMAT:
        raise ValueError(f"has an unknown format {document.get('format')!r}")
    if signer not in keys:
        raise ValueError(f"is signed by an unknown key ({signer})")
    try:
        keys[signer].verify(signature, checkpoint.signed_part(signer))
    except InvalidSignature:
        raise ValueError("has an invalid signature (forged or altered)") from None
    return checkpoint


@dataclass
class StoredCheckpoints:
    """Every stored checkpoint that verifies, by chain (ascending seq), and why the others do not."""

    by_chain: dict[str, list[Checkpoint]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(c) for c in self.by_chain.values())


def _names(storage: Storage) -> Iterator[str]:
    try:
        chains, _ = storage.listdir(ROOT)
    except FileNotFoundError:
        return
    for chain in sorted(chains):
        _, files = storage.listdir(f"{ROOT}/{chain}")
        yield from (f"{ROOT}/{chain}/{name}" for name in sorted(files) if name.endswith(".json"))


def stored_checkpoints(storage: Storage | None = None) -> StoredCheckpoints:
    storage = storage or checkpoint_storage()
    keys, found = _verifying_keys(), StoredCheckpoints()
    for name in _names(storage):
        try:
            checkpoint = _read(storage, name, keys)
        except ValueError as problem:
            found.problems.append(f"checkpoint {name} {problem}")
            continue
        found.by_chain.setdefault(checkpoint.chain_key, []).append(checkpoint)
    for checkpoints in found.by_chain.values():
        checkpoints.sort(key=lambda c: (c.seq, c.created_at))
    return found


def chain_checkpoint_problem(chain_key: str, checkpoints: list[Checkpoint]) -> str | None:
    """The first checkpoint the chain as it is now contradicts, named, or None."""
    if not checkpoints:
        return None
    events = AuditEvent.objects.filter(chain_key=chain_key)
    head = events.aggregate(head=Max("seq"))["head"] or 0
    hashes = dict(events.filter(seq__in={c.seq for c in checkpoints}).values_list("seq", "hash"))
    contradicted = [c for c in checkpoints if hashes.get(c.seq) != c.hash]
    if not contradicted:
        return None
    first = contradicted[0]
    if head == 0:
        why = f"has no events at all (emptied or truncated), but {first} records event #{first.seq}"
    elif first.seq > head:
        why = f"ends at event #{head}, before {first}: events have been removed (truncated or shortened)"
    elif first.seq not in hashes:
        why = f"is missing event #{first.seq}, which {first} records"
    else:
        why = (f"contradicts {first}: event #{first.seq} has hash {hashes[first.seq][:16]}…, the checkpoint "
               f"{first.hash[:16]}… (the chain has been rewritten or reordered up to there)")
    later = len(contradicted) - 1
    return f"chain {chain_key} {why}" + (f"; {later} later checkpoints are contradicted too" if later else "")


class CheckpointProblems(list):
    summary = ""


def audit_verify_checkpoints(*, storage: Storage | None = None) -> CheckpointProblems:
    """Every stored checkpoint checked: its signature, and the chain in the database against it."""
    found = stored_checkpoints(storage)
    problems = CheckpointProblems(found.problems)
    for chain_key in sorted(found.by_chain):
        problem = chain_checkpoint_problem(chain_key, found.by_chain[chain_key])
        if problem:
            problems.append(problem)
    problems.summary = f"{found.count} checkpoints checked" if found.count else ""
    return problems


# --- Writing -------------------------------------------------------------------------------------------------

@dataclass
class CheckpointRun:
    written: list[Checkpoint] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _segment_problem(chain_key: str, start: Checkpoint | None) -> str | None:
    """Whether the chain links up from its latest checkpoint (or its start) to its head."""
    expected_prev, expected_seq = (start.hash, start.seq + 1) if start else (GENESIS_HASH, 1)
    for event in AuditEvent.objects.filter(chain_key=chain_key, seq__gte=expected_seq).order_by("seq").iterator(
            chunk_size=2000):
        if event.seq != expected_seq or event.prev_hash != expected_prev or event.compute_hash() != event.hash:
            return f"chain {chain_key} is broken at event #{expected_seq}"
        expected_prev, expected_seq = event.hash, event.seq + 1
    return None


def audit_checkpoints_write(*, storage: Storage | None = None) -> CheckpointRun:
    """Sign and store a checkpoint of every chain whose head has moved since its latest checkpoint.

    A chain that contradicts its latest checkpoint, or does not link up from it to its head, gets none: a
    checkpoint must never vouch for a tampered chain. Safe to run twice (a checkpoint is never overwritten)."""
    storage = storage or checkpoint_storage()
    key, run = _signing_keys()[0], CheckpointRun()
    found = stored_checkpoints(storage)
    run.refused.extend(found.problems)
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEvent.objects.values_list("chain_key", flat=True).distinct())
    for chain_key in sorted(keys | set(found.by_chain)):
        previous = found.by_chain.get(chain_key, [])
        problem = chain_checkpoint_problem(chain_key, previous) or _segment_problem(
            chain_key, previous[-1] if previous else None)
        if problem:
            run.refused.append(problem)
            continue
        head = AuditEvent.objects.filter(chain_key=chain_key).order_by("-seq").only("seq", "hash").first()
        if head is None or (previous and previous[-1].seq >= head.seq):
            continue
        checkpoint = Checkpoint(chain_key=chain_key, seq=head.seq, hash=head.hash,
                                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                                name=checkpoint_name(chain_key, head.seq))
        if storage.exists(checkpoint.name):
            continue
        storage.save(checkpoint.name, ContentFile(_document(checkpoint, key)))
        run.written.append(checkpoint)
    return run
