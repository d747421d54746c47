"""Checking a portfolio export offline: every file re-hashed against the manifest, data.json against its schema,
each included audit event's content digest and hash recomputed and linked up to a signed checkpoint whose
signature is checked, and each signed-off unit's data against its seal and audit events. Every difference is
named (the file, and what differs)."""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assessment.seals import seal_hash
from audit.checkpoints import FORMAT as CHECKPOINT_FORMAT
from audit.checkpoints import Checkpoint, decode_text, verifying_keys
from centres.zip_stream import entry_digest

from .audit_trail import event_from
from .builder import FORMAT, MANIFEST
from .data_json import schema_problems


@dataclass
class ExportCheck:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not a difference
    files: int = 0
    events: int = 0
    checkpoints: int = 0
    sealed_units: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_export(source) -> ExportCheck:
    """Check the export ZIP at `source` (a path or a binary file)."""
    check = ExportCheck()
    try:
        with zipfile.ZipFile(source) as zf:
            try:
                manifest = json.loads(zf.read(MANIFEST))
            except (KeyError, ValueError):
                check.problems.append(f"{MANIFEST}: missing or not JSON")
                return check
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                check.problems.append(f"{MANIFEST}: not a LEAP portfolio export manifest")
                return check
            hashes = _check_files(zf, manifest, check)
            document = _check_data(zf, hashes, check)
            events = _check_chains(manifest.get("audit_chains") or {}, check)
            _check_sealed_units(manifest.get("sealed_units") or [], events, document, hashes, check)
    except (zipfile.BadZipFile, OSError) as error:
        check.problems.append(f"not a readable ZIP file ({error})")
    return check


def _check_files(zf: zipfile.ZipFile, manifest: dict, check: ExportCheck) -> dict[str, str]:
    """Re-hash every entry; the SHA-256 of each entry as it is now, by path."""
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    names = [name for name in zf.namelist() if name != MANIFEST and not name.endswith("/")]
    hashes = {}
    for name in names:
        found = entry_digest(zf, name)
        hashes[name] = found[0] if found else ""
        entry = listed.get(name)
        if entry is None:
            check.problems.append(f"{name}: in the ZIP but not in the manifest")
        elif found is None:
            check.problems.append(f"{name}: cannot be read (its bytes do not match the ZIP's own checksum)")
        elif found[0] != entry["sha256"]:
            check.problems.append(f"{name}: SHA-256 {found[0][:16]}… differs from the manifest's "
                                  f"{entry['sha256'][:16]}…")
        elif found[1] != entry["size"]:
            check.problems.append(f"{name}: {found[1]} bytes, the manifest says {entry['size']}")
        check.files += 1
    missing = sorted(set(listed) - set(names))
    check.problems.extend(f"{name}: in the manifest but missing from the ZIP" for name in missing)
    return hashes


def _check_data(zf: zipfile.ZipFile, hashes: dict[str, str], check: ExportCheck) -> dict:
    try:
        document = json.loads(zf.read("data.json"))
    except KeyError:
        return {}  # named already as missing
    except ValueError as error:
        check.problems.append(f"data.json: not JSON ({error})")
        return {}
    check.problems.extend(f"data.json: {problem}" for problem in schema_problems(document))
    for enrolment in document.get("enrolments", []) if isinstance(document, dict) else []:
        if not isinstance(enrolment, dict):
            continue
        for item in _listed(enrolment.get("evidence")):
            if isinstance(item, dict):
                _check_named_files(item.get("files", []), str(item.get("ref")), hashes, check)
        for n, message in enumerate(_listed(enrolment.get("messages"))):
            if isinstance(message, dict):
                _check_named_files(message.get("files", []), f"{enrolment.get('ref')} message {n + 1}", hashes, check)
    return document if isinstance(document, dict) else {}


def _listed(value) -> list:
    return value if isinstance(value, list) else []


def _check_named_files(files, where: str, hashes: dict[str, str], check: ExportCheck) -> None:
    """The files data.json names (an evidence item's, a message's) are in the ZIP, with the hashes it gives."""
    for file in _listed(files):
        path = file.get("path") if isinstance(file, dict) else None
        if path not in hashes:
            check.problems.append(f"data.json: {where} names {path}, which the ZIP does not hold")
        elif hashes[path] and hashes[path] != file.get("sha256"):
            check.problems.append(f"data.json: {where}: the SHA-256 of {path} differs from the file's")


# --- The audit chains ----------------------------------------------------------------------------------------

def _check_chains(chains: dict, check: ExportCheck) -> dict[tuple[str, int], dict]:
    """Every included event re-hashed and linked up to a verified checkpoint; the events, by (chain, seq)."""
    events = {}
    for chain_key, proof in chains.items():
        where = f"{MANIFEST}: chain {chain_key}"
        by_seq: dict[int, dict] = {}
        for document in proof.get("events", []):
            by_seq[document["seq"]] = document
            events[(chain_key, document["seq"])] = document
            _check_event(document, f"{where} event #{document['seq']}", check, full=True)
            check.events += 1
        for document in proof.get("links", []):
            by_seq.setdefault(document["seq"], document)
            if document.get("format") != 1:
                _check_event(document, f"{where} link #{document['seq']}", check, full=False)
        for seq, document in sorted(by_seq.items()):
            before = by_seq.get(seq - 1)
            if before is not None and document["prev_hash"] != before["hash"]:
                check.problems.append(f"{where}: event #{seq} does not follow #{seq - 1} (its previous hash differs)")
        signed = [c for c in (_checkpoint(c, f"{where} checkpoint", check) for c in proof.get("checkpoints", [])) if c]
        check.checkpoints += len(signed)
        for seq in sorted(s for s in by_seq if (chain_key, s) in events):
            cover = next((c for c in sorted(signed, key=lambda c: c.seq) if c.seq >= seq), None)
            if cover is None:
                check.notes.append(f"{where}: event #{seq} is newer than every signed checkpoint in the export "
                                   "(its own hash is checked; no signature covers it yet)")
                continue
            missing = [n for n in range(seq, cover.seq + 1) if n not in by_seq]
            if missing:
                check.problems.append(f"{where}: event #{seq} cannot be linked to {cover}: "
                                      f"event #{missing[0]} is missing")
            elif by_seq[cover.seq]["hash"] != cover.hash:
                check.problems.append(f"{where}: event #{cover.seq} has a hash other than {cover} records")
    return events


def _check_event(document: dict, where: str, check: ExportCheck, *, full: bool) -> None:
    try:
        event = event_from(document)
    except (KeyError, ValueError, TypeError):
        check.problems.append(f"{where}: not a readable audit event")
        return
    if full and event.content_digest and not document.get("erased_at"):
        if event.compute_content_digest() != event.content_digest:
            check.problems.append(f"{where} ({event.action}): its data or actor label was altered "
                                  "(the content digest differs)")
    if not full or event.content_digest:
        if event.compute_hash() != event.hash:
            check.problems.append(f"{where} ({event.action}): its hash differs from its recomputed hash")
    elif event.compute_hash() != event.hash:  # format 1: the hash covers the content itself
        check.problems.append(f"{where} ({event.action}): altered (its hash differs)")


def _checkpoint(included: dict, where: str, check: ExportCheck) -> Checkpoint | None:
    document = included.get("document") or {}
    try:
        checkpoint = Checkpoint(chain_key=document["chain"], seq=int(document["seq"]), hash=document["hash"],
                                created_at=document["created_at"], name=included.get("name", ""))
        raw = decode_text(included["public_key"])
        key = Ed25519PublicKey.from_public_bytes(raw)
        signature = decode_text(document["signature"])
    except (KeyError, ValueError, TypeError):
        check.problems.append(f"{where} {included.get('name')}: not a readable signed checkpoint")
        return None
    signer = document.get("key_id")
    if document.get("format") != CHECKPOINT_FORMAT or hashlib.sha256(raw).hexdigest()[:16] != signer:
        check.problems.append(f"{where} {checkpoint.name}: its key id does not match the public key given")
        return None
    try:
        key.verify(signature, checkpoint.signed_part(signer))
    except InvalidSignature:
        check.problems.append(f"{where} {checkpoint.name}: the signature is invalid (forged or altered)")
        return None
    if signer not in verifying_keys():
        check.notes.append(f"{where} {checkpoint.name}: signed by key {signer}, not one of this deployment's: "
                           "compare it with the key the exporting deployment publishes")
    return checkpoint


# --- Signed-off units ------------------------------------------------------------------------------------------

def _check_sealed_units(units: list[dict], events: dict, document: dict, hashes: dict[str, str],
                        check: ExportCheck) -> None:
    enrolments = {e.get("ref"): e for e in document.get("enrolments", []) if isinstance(e, dict)}
    for sealed in units:
        where = f"signed-off unit {sealed.get('unit')} of {sealed.get('enrolment')}"
        seal, recorded = sealed.get("seal") or {}, sealed.get("seal_hash")
        check.sealed_units += 1
        if seal_hash(seal) != recorded:
            check.problems.append(f"{MANIFEST}: {where}: the seal differs from its seal hash")
        signed = [events.get((e["chain"], e["seq"])) for e in sealed.get("events", [])]
        signed = [e for e in signed if e and e["action"] == "unit.signed_off"
                  and (e.get("data") or {}).get("seal_hash") == recorded]
        if not signed:
            check.problems.append(f"{MANIFEST}: {where}: no unit.signed_off audit event records seal hash "
                                  f"{str(recorded)[:16]}…")
        elif signed[-1].get("data", {}).get("seal") not in (None, seal):
            check.problems.append(f"{MANIFEST}: {where}: the seal differs from the one its audit event records")
        _check_sealed_files(sealed, seal, hashes, where, check)
        _check_sealed_data(sealed, seal, enrolments.get(sealed.get("enrolment")), where, check)


def _check_sealed_files(sealed: dict, seal: dict, hashes: dict[str, str], where: str, check: ExportCheck) -> None:
    paths = sealed.get("files") or {}
    for file in seal.get("files", []):
        path = paths.get(str(file.get("id")))
        if path is None or path not in hashes:
            check.problems.append(f"{where}: sealed file '{file.get('name')}' is not in the export")
        elif hashes[path] != file.get("sha256"):
            check.problems.append(f"{path}: differs from the file sealed at sign-off ({where})")


def _check_sealed_data(sealed: dict, seal: dict, enrolment: dict | None, where: str, check: ExportCheck) -> None:
    if enrolment is None:
        check.problems.append(f"data.json: {where}: the enrolment is missing")
        return
    unit = next((u for u in enrolment.get("units", []) if u.get("code") == sealed.get("unit")), None)
    sign_off = next((s for s in (unit or {}).get("sign_offs", []) if s.get("number") == sealed.get("sign_off")), None)
    if sign_off is None or sign_off.get("seal_hash") != sealed.get("seal_hash"):
        check.problems.append(f"data.json: {where}: the sign-off or its seal hash differs from the manifest's")
    if unit is not None and "achieved" in seal:
        met = {c.get("number") for c in unit.get("criteria", []) if c.get("met")}
        if met != set(seal["achieved"]):
            check.problems.append(f"data.json: {where}: the criteria met differ from the seal's")
    evidence = {e.get("ref"): e for e in enrolment.get("evidence", [])}
    refs = sealed.get("evidence") or {}
    for item in seal.get("evidence", []):
        found = evidence.get(refs.get(str(item.get("id"))))
        if found is None:
            check.problems.append(f"data.json: {where}: sealed evidence '{item.get('title')}' is missing")
            continue
        for key in ("title", "reflection", "method"):
            if found.get(key) != item.get(key):
                check.problems.append(f"data.json: {found.get('ref')}: {key} differs from the seal ({where})")
    reviews = {(e.get("ref"), r.get("number")): r for e in enrolment.get("evidence", []) for r in e.get("reviews", [])}
    for review in seal.get("reviews", []):
        found = reviews.get((refs.get(str(review.get("evidence"))), review.get("revision")))
        if found is not None and (found.get("feedback"), found.get("actions")) != (review.get("feedback"),
                                                                                 review.get("actions")):
            check.problems.append(f"data.json: feedback on {refs.get(str(review.get('evidence')))} differs from "
                                  f"the seal ({where})")
