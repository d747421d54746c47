"""Proof that a signed-off unit has not changed: its seal re-checked against storage and the audit trail.

Run by `manage.py verify_audit` (through settings.LEAP_AUDIT_VERIFIERS), so that the audit app need not
know about assessment.
"""

import hashlib

from django.core.files.storage import Storage, default_storage

from audit.models import AuditEvent, object_type_of

from .models import UnitSignOff
from .services import seal_hash

CHUNK_BYTES = 1024 * 1024
NO_EVENT = object()


class SealProblems(list):
    """The problems found, one readable line each, plus what was checked for verify_audit's summary."""

    summary = ""


def verify_seals(storage: Storage | None = None) -> SealProblems:
    """Re-hash every file sealed by a current (not unlocked) sign-off and check each seal against its record
    and its `unit.signed_off` audit event."""
    storage = storage or default_storage
    sign_offs = (UnitSignOff.objects.filter(unlocked_at__isnull=True)
                 .select_related("enrolment_unit__unit").order_by("pk"))
    sealed_hashes = _sealed_hashes_in_audit_trail()
    problems, checked = SealProblems(), 0
    for sign_off in sign_offs.iterator(chunk_size=500):
        where = (f"enrolment {sign_off.enrolment_unit.enrolment_id}, unit {sign_off.enrolment_unit.unit.code} "
                 f"sign-off {sign_off.number}")
        problems.extend(f"{where}: {problem}" for problem in _sign_off_problems(sign_off, sealed_hashes, storage))
        checked += 1
    problems.summary = f"{checked} signed-off units re-hashed"
    return problems


def _sealed_hashes_in_audit_trail() -> dict[str, str | None]:
    events = AuditEvent.objects.filter(action="unit.signed_off", object_type=object_type_of(UnitSignOff))
    return dict(events.values_list("object_id", "data__seal_hash"))


def _sign_off_problems(sign_off: UnitSignOff, sealed_hashes: dict, storage: Storage) -> list[str]:
    problems = []
    if seal_hash(sign_off.seal) != sign_off.seal_hash:
        problems.append("the sealed record has been altered (its seal hash does not match)")
    recorded = sealed_hashes.get(str(sign_off.pk), NO_EVENT)
    if recorded is NO_EVENT:
        problems.append("no unit.signed_off event in the audit trail")
    elif recorded != sign_off.seal_hash:
        problems.append(f"seal hash {_short(sign_off.seal_hash)} ≠ the audit trail's {_short(recorded or '')}")
    for sealed in sign_off.seal.get("files", []):
        problem = _file_problem(sealed, storage)
        if problem:
            problems.append(f"file '{sealed.get('name')}' (id {sealed.get('id')}) {problem}")
    return problems


def _file_problem(sealed: dict, storage: Storage) -> str | None:
    key = sealed.get("key") or ""
    if not key:
        return "missing from storage (no storage key was sealed)"
    try:
        digest, size = _hash_stored(storage, key)
    except FileNotFoundError:
        return "missing from storage"
    except Exception as error:  # S3 and others raise their own errors for a missing or unreadable object
        if not storage.exists(key):
            return "missing from storage"
        return f"could not be read: {error}"
    changes = []
    if sealed.get("sha256") and digest != sealed["sha256"]:
        changes.append(f"sha256 {_short(digest)} ≠ sealed {_short(sealed['sha256'])}")
    if sealed.get("size") is not None and size != sealed["size"]:
        changes.append(f"size {size} ≠ sealed {sealed['size']}")
    return f"changed: {'; '.join(changes)}" if changes else None


def _hash_stored(storage: Storage, key: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with storage.open(key, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _short(digest: str) -> str:
    return f"{digest[:16]}…" if len(digest) > 16 else digest
