"""A sign-off's seal: what it vouches for, built from the live rows, and proof that none of it has changed.

`unit_seal` builds the payload both when a unit is signed off and when `manage.py verify_audit` checks it
(through settings.LEAP_AUDIT_VERIFIERS, so that the audit app need not know about assessment): the two
cannot drift apart. Verification re-hashes every sealed file in storage, compares the seal with the live
evidence text, mappings, decisions, feedback and achieved criteria, and names each difference.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.storage import Storage, default_storage

from audit.models import AuditEvent, object_type_of
from portfolios.models import AchievedCriterion, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile

from .models import CriterionDecision, Review, UnitSignOff, UnitUnlock

SEAL_FORMAT = 2
CHUNK_BYTES = 1024 * 1024
NO_EVENT = object()
# Sealed fields that may rightly change after sign-off: a person may change their email address.
UNCHECKED_FIELDS = {"assessor"}
# A retention rule's destruction (recorded by the records layer) clears texts and files a seal covers. Its audit
# event, hash-chained like the sign-off's, lists each destroyed file's SHA-256 ("files": {id: sha256}) and each
# seal it changed ("sign_offs": {id: {"sealed": hash before, "now": hash after}}), and the seal hash of each
# unit.signed_off event whose content it erased ("seals": {id: hash}): verification accepts exactly those
# changes, so a file deleted or a seal edited without such a record is still reported.
DESTROYED_ACTION = "retention.content_destroyed"
# Apps above this one add what else a sign-off vouches for: section name -> function(enrolment_unit) -> items, each a
# dict with an "id" (records.transfers: criteria achieved by recognised prior learning, with their provenance). A
# section is sealed only when it has items, and verified like the others.
EXTRA_SECTIONS: dict[str, Callable[[EnrolmentUnit], list[dict]]] = {}


def unit_seal(enrolment_unit: EnrolmentUnit) -> dict:
    """What a sign-off vouches for: the unit's accepted evidence (text, mappings, file hashes), every decision
    record, the reviews' feedback and the criteria achieved."""
    enrolment_id, unit_id = enrolment_unit.enrolment_id, enrolment_unit.unit_id
    claims = (EvidenceCriterion.objects.filter(evidence__enrolment_id=enrolment_id, unit_id=unit_id,
                                               evidence__status=Evidence.Status.ACCEPTED)
              .select_related("criterion").order_by("criterion__position"))
    mapped: dict[int, list[str]] = {}
    for claim in claims:
        mapped.setdefault(claim.evidence_id, []).append(claim.criterion.number)
    evidence = Evidence.objects.filter(pk__in=mapped).order_by("pk")
    files = EvidenceFile.objects.filter(evidence__in=mapped).order_by("pk")
    decisions = (CriterionDecision.objects.filter(enrolment_id=enrolment_id, unit_id=unit_id)
                 .select_related("criterion", "review__assessor").order_by("pk"))
    reviews = (Review.objects.filter(pk__in=decisions.values("review")).select_related("submission")
               .order_by("pk"))
    achieved = (AchievedCriterion.objects.filter(enrolment_id=enrolment_id, unit_id=unit_id)
                .order_by("criterion__position").values_list("criterion__number", flat=True))
    seal = {
        "format": SEAL_FORMAT,
        "enrolment": enrolment_id,
        "unit": unit_id,
        "evidence": [{"id": e.pk, "title": e.title, "reflection": e.reflection, "method": e.method,
                      "activity_date": e.activity_date.isoformat() if e.activity_date else None,
                      "activity_place": e.activity_place, "criteria": mapped[e.pk]} for e in evidence],
        "files": [{"id": f.pk, "evidence": f.evidence_id, "name": f.original_name, "key": f.file.name,
                   "sha256": f.sha256, "size": f.size} for f in files],
        "decisions": [{"id": d.pk, "review": d.review_id, "criterion": d.criterion.number, "met": d.met,
                       "mapped_by_assessor": d.mapped_by_assessor, "assessor": d.review.assessor.email,
                       "assessor_id": d.review.assessor_id, "decided_at": d.decided_at.isoformat(),
                       "countersigned": bool(d.review.countersigned_at)} for d in decisions],
        "reviews": [{"id": r.pk, "evidence": r.submission.evidence_id, "revision": r.submission.number,
                     "outcome": r.outcome, "feedback": r.feedback, "actions": r.actions,
                     "voice_feedback": r.voice_feedback.name or "",
                     "countersigned_by": r.countersigned_by_id} for r in reviews],
        "achieved": list(achieved),
    }
    for name, items_of in EXTRA_SECTIONS.items():
        if items := items_of(enrolment_unit):
            seal[name] = items
    return seal


def seal_hash(seal: dict) -> str:
    return hashlib.sha256(json.dumps(seal, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- Verification -----------------------------------------------------------------------------------------

class SealProblems(list):
    """The problems found, one readable line each, plus what was checked for verify_audit's summary."""

    summary = ""


def verify_seals(storage: Storage | None = None) -> SealProblems:
    """Check every current (not unlocked) sign-off: its seal against its record, its `unit.signed_off` audit
    event and the live rows; every sealed file re-hashed; the units' lock state against their sign-offs."""
    storage = storage or default_storage
    sign_offs = (UnitSignOff.objects.filter(unlocked_at__isnull=True)
                 .select_related("enrolment_unit__unit").order_by("pk"))
    sealed_hashes = _sealed_hashes_in_audit_trail()
    destroyed = Destructions.recorded()
    problems, checked = SealProblems(), 0
    for sign_off in sign_offs.iterator(chunk_size=500):
        where = (f"enrolment {sign_off.enrolment_unit.enrolment_id}, unit {sign_off.enrolment_unit.unit.code} "
                 f"sign-off {sign_off.number}")
        problems.extend(f"{where}: {problem}"
                        for problem in _sign_off_problems(sign_off, sealed_hashes, storage, destroyed))
        checked += 1
    problems.extend(_lock_state_problems())
    problems.summary = f"{checked} signed-off units re-hashed"
    return problems


def _sealed_hashes_in_audit_trail() -> dict[str, str | None]:
    events = AuditEvent.objects.filter(action="unit.signed_off", object_type=object_type_of(UnitSignOff))
    return dict(events.values_list("object_id", "data__seal_hash"))


class Destructions:
    """What recorded destructions changed: destroyed files' hashes, and each seal's recorded hash changes."""

    def __init__(self, files: dict[str, str], seals: dict[str, dict[str, str]],
                 vouched: dict[str, set[str]] | None = None) -> None:
        self.files, self.seals, self.vouched = files, seals, vouched or {}

    @classmethod
    def recorded(cls) -> "Destructions":
        files: dict[str, str] = {}
        seals: dict[str, dict[str, str]] = {}
        vouched: dict[str, set[str]] = {}
        for data in (AuditEvent.objects.filter(action=DESTROYED_ACTION).order_by("chain_key", "seq")
                     .values_list("data", flat=True)):
            files.update(data.get("files") or {})
            for pk, change in (data.get("sign_offs") or {}).items():
                seals.setdefault(pk, {})[change.get("sealed")] = change.get("now")
            for pk, sealed in (data.get("seals") or {}).items():
                vouched.setdefault(pk, set()).add(sealed)
        return cls(files, seals, vouched)

    def changed(self, sign_off: UnitSignOff) -> bool:
        return sign_off.seal_hash in self.seals.get(str(sign_off.pk), {})

    def covers(self, sign_off: UnitSignOff) -> bool:
        return self.changed(sign_off) or sign_off.seal_hash in self.vouched.get(str(sign_off.pk), set())

    def explains(self, sign_off: UnitSignOff, current: str) -> bool:
        """Whether recorded destructions lead from the sealed hash to the stored seal's hash now."""
        changes, step, seen = self.seals.get(str(sign_off.pk), {}), sign_off.seal_hash, set()
        while step != current and step in changes and step not in seen:
            seen.add(step)
            step = changes[step]
        return step == current

    def destroyed_file(self, sealed: dict) -> bool:
        recorded = self.files.get(str(sealed.get("id")))
        return recorded is not None and recorded == sealed.get("sha256")


def _sign_off_problems(sign_off: UnitSignOff, sealed_hashes: dict, storage: Storage,
                       destroyed: Destructions | None = None) -> list[str]:
    destroyed = destroyed or Destructions({}, {})
    problems = []
    current = seal_hash(sign_off.seal)
    if current != sign_off.seal_hash and not destroyed.explains(sign_off, current):
        problems.append("the sealed record has been altered (its seal hash does not match)")
    recorded = sealed_hashes.get(str(sign_off.pk), NO_EVENT)
    if recorded is NO_EVENT:
        problems.append("no unit.signed_off event in the audit trail")
    elif recorded is None and destroyed.covers(sign_off):
        pass  # the event's content was erased; the destruction record vouches for the hash it held
    elif recorded != sign_off.seal_hash:
        problems.append(f"seal hash {_short(sign_off.seal_hash)} ≠ the audit trail's {_short(recorded or '')}")
    if sign_off.enrolment_unit.locked_at is None:
        problems.append("the unit is not locked, but this sign-off was never unlocked "
                        "(its lock was cleared outside the unlock path)")
    # A seal changed by destruction is checked as stored (its changes are vouched for above).
    seal = sign_off.seal if destroyed.covers(sign_off) else _authentic_seal(sign_off)
    problems.extend(seal_differences(seal, unit_seal(sign_off.enrolment_unit)))
    for sealed in seal.get("files", []):
        if destroyed.destroyed_file(sealed):
            continue  # destroyed under a retention rule: its hash is in the destruction record
        problem = _file_problem(sealed, storage)
        if problem:
            problems.append(f"file '{sealed.get('name')}' (id {sealed.get('id')}) {problem}")
    return problems


def _authentic_seal(sign_off: UnitSignOff) -> dict:
    """The audit trail's copy of the seal (hash-chained and checkpointed) if it is intact, else the stored one."""
    recorded = (AuditEvent.objects.filter(action="unit.signed_off", object_type=object_type_of(UnitSignOff),
                                          object_id=str(sign_off.pk)).values_list("data", flat=True).first())
    seal = (recorded or {}).get("seal")
    if isinstance(seal, dict) and seal_hash(seal) == recorded.get("seal_hash"):
        return seal
    return sign_off.seal


def _lock_state_problems() -> list[str]:
    problems = []
    current = UnitSignOff.objects.filter(unlocked_at__isnull=True).values("enrolment_unit")
    for enrolment_unit in (EnrolmentUnit.objects.filter(locked_at__isnull=False).exclude(pk__in=current)
                           .select_related("unit").order_by("pk")):
        problems.append(f"enrolment {enrolment_unit.enrolment_id}, unit {enrolment_unit.unit.code}: "
                        "locked without a current sign-off")
    recorded = set(AuditEvent.objects.filter(action="unit.unlocked", object_type=object_type_of(UnitSignOff))
                   .values_list("object_id", flat=True))
    for unlock in UnitUnlock.objects.select_related("sign_off", "enrolment_unit__unit").order_by("pk"):
        where = (f"enrolment {unlock.enrolment_unit.enrolment_id}, unit {unlock.enrolment_unit.unit.code} "
                 f"sign-off {unlock.sign_off.number}")
        if str(unlock.sign_off_id) not in recorded:
            problems.append(f"{where}: unlocked without a unit.unlocked event in the audit trail")
        if unlock.sign_off.unlocked_at is None:
            problems.append(f"{where}: an unlock is recorded, but the sign-off still reads as current")
    return problems


# Each list in a seal: how one of its items is named in a problem.
SECTIONS = {
    "evidence": lambda item: f"evidence {item.get('id')}",
    "files": lambda item: f"file '{item.get('name')}' (id {item.get('id')})",
    "decisions": lambda item: f"criterion {item.get('criterion')} (decision {item.get('id')})",
    "reviews": lambda item: f"review {item.get('id')} of evidence {item.get('evidence')}",
}


def seal_differences(sealed: dict, live: dict) -> list[str]:
    """Every difference between a stored seal and the one built now from the live rows, one line each.

    Only what the stored seal holds is compared, so seals of an older format are checked for what they have."""
    problems = [f"the seal is for {key} {sealed[key]}, this record is for {key} {live[key]}"
                for key in ("enrolment", "unit") if key in sealed and sealed[key] != live[key]]
    for section, name in SECTIONS.items():
        if section in sealed:
            problems.extend(_section_differences(sealed[section], live[section], name))
    for section in EXTRA_SECTIONS:
        if section in sealed or section in live:
            problems.extend(_section_differences(sealed.get(section, []), live.get(section, []),
                                                 lambda item, section=section: f"{section} {item.get('id')}"))
    if "achieved" in sealed:
        was, now = set(sealed["achieved"]), set(live["achieved"])
        problems.extend(f"criterion {n}: achieved in the seal, not any more" for n in sorted(was - now))
        problems.extend(f"criterion {n}: achieved now, not in the seal" for n in sorted(now - was))
    return problems


def _section_differences(sealed: list[dict], live: list[dict], name) -> list[str]:
    now = {item["id"]: item for item in live}
    problems = []
    for item in sealed:
        current = now.pop(item.get("id"), None)
        if current is None:
            problems.append(f"{name(item)}: in the seal, no longer in the unit's record")
            continue
        problems.extend(f"{name(item)}: {field} differs from the seal (sealed {_shown(value)}, "
                        f"now {_shown(current.get(field))})"
                        for field, value in item.items()
                        if field not in UNCHECKED_FIELDS and current.get(field) != value)
    problems.extend(f"{name(item)}: in the unit's record, not in the seal" for item in now.values())
    return problems


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"{text[:40]}…" if len(text) > 41 else text


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
