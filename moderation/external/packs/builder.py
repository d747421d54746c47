"""The sample pack's ZIP, written with constant memory: every entry goes through `zf.open(name, "w")`, evidence
files chunk by chunk straight from storage (local disk or S3), each entry hashed as it is written; `manifest.json`
lists every other entry with its size and SHA-256, the grant, who built it and the audit-chain head it was built
from. `verify_pack` re-hashes a pack against its manifest.

Under a blind grant the pack names learners by their pseudonyms (and evidence files by number, since a file's
name may carry a learner's); the grant's masking (moderation.external.blind) applies to everything rendered.
"""

import datetime
import json
import logging
import secrets
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files import File
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.pseudonyms import actor_shown, mask_text
from audit.services import audit_record
from centres.csv_files import csv_table
from centres.workflow import move_status
from centres.zip_stream import (
    ZipStreamWriter,
    entry_digest,
    extension_of,
    file_digest,
    safe_name,
    storage_chunks,
    storage_open,  # noqa: F401 (the pack's views import it from here)
)
from moderation.models import EqaGrant, SamplePack

from ..blind import masking, pseudonym
from . import selectors

log = logging.getLogger(__name__)

FORMAT = "leap-sample-pack/1"
MANIFEST = "manifest.json"
TEMPLATES = "moderation/eqa/"
PLAN_COLUMNS = ("learner", "qualification", "assessor", "plan version", "plan status", "units", "method",
                "target date", "agreed on")
# Opened from disk, never served by LEAP: a stylesheet of its own, no script, nothing fetched.
PACK_CSS = """body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f2f2f2}h1,h2,h3{line-height:1.2}nav a{margin-right:1rem}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem 1rem}.muted{color:#555}
@media (max-width:40rem){table{display:block;overflow-x:auto}}
"""


# A pack still "being built" this long after it started lost its worker: the redelivered task builds it again.
STALE_BUILD = datetime.timedelta(hours=2)
TRANSIENT = (OperationalError, OSError, ConnectionError)


@dataclass
class Built:
    files: list[dict] = field(default_factory=list)  # the manifest's entries
    learners: int = 0
    manifest: dict = field(default_factory=dict)

    @property
    def file_count(self) -> int:
        return len(self.files)


class PackWriter(ZipStreamWriter):
    """Writes entries into an open ZipFile, hashing each as it goes."""

    def __init__(self, zf: zipfile.ZipFile, when: datetime.datetime) -> None:
        super().__init__(zf, when)
        self.built = Built(files=self.files)


def learner_label(grant: EqaGrant, user: User) -> str:
    """How the pack names a learner: their pseudonym under a blind grant, else their name."""
    if grant.blind:
        return pseudonym(grant, user)
    return user.display_name


def pack_write(*, grant: EqaGrant, out: BinaryIO, built_by: User | None, pack: SamplePack | None = None,
               when: datetime.datetime | None = None) -> Built:
    """Write the grant's sample pack as a ZIP into `out` (a file open for writing; only its end is ever in memory)."""
    when = when or timezone.now()
    checkpoint = selectors.audit_checkpoint(grant.centre_id)  # first: the pack holds no event after it
    with masking(grant), zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        writer = PackWriter(zf, when)
        writer.text("pack.css", PACK_CSS)
        enrolments = selectors.scoped_enrolments(grant)
        learners = [_write_learner(writer, grant, n, enrolment)
                    for n, enrolment in enumerate(enrolments.iterator(chunk_size=200), start=1)]
        writer.built.learners = len(learners)
        context = {"grant": grant, "when": when, "blind": grant.blind, "css": "pack.css"}
        _write_plans(writer, grant, enrolments, context)
        writer.text("iqa.html", render_to_string(TEMPLATES + "pack_iqa.html", {
            **context, "iqa": _labelled_iqa(grant, selectors.iqa_records(grant, enrolments))}))
        standardisation = selectors.standardisation_records(grant, enrolments)
        meeting_files = _write_meeting_files(writer, standardisation)
        writer.text("standardisation.html", render_to_string(TEMPLATES + "pack_standardisation.html", {
            **context, "standardisation": standardisation, "meeting_files": meeting_files}))
        writer.text("index.html", render_to_string(TEMPLATES + "pack_index.html", {
            **context, "learners": learners, "built_by": built_by, "checkpoint": checkpoint}))
        manifest = _manifest(grant, writer.built, built_by, pack, when, checkpoint)
        writer.unlisted(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
    writer.built.manifest = manifest
    return writer.built


def _write_learner(writer: PackWriter, grant: EqaGrant, n: int, enrolment) -> dict:
    record = selectors.learner_record(enrolment)
    folder = f"learners/{n}"
    evidence = []
    for item in record.evidence:
        files = []
        for stored in item.shown_files:
            path = f"evidence/{item.pk}/{_file_name(grant, stored)}"
            writer.chunks(f"{folder}/{path}", storage_chunks(stored.file))
            files.append({"path": path, "file": stored})
        evidence.append({"evidence": item, "files": files,
                         "claims": sorted(item.claims.all(), key=lambda c: (c.unit_id, c.criterion.position))})
    reviews = []
    for review in record.reviews:
        voice = ""
        if review.voice_feedback:
            voice = f"feedback/review-{review.pk}{extension_of(review.voice_feedback.name)}"
            writer.chunks(f"{folder}/{voice}", storage_chunks(review.voice_feedback))
        reviews.append({"review": review, "voice": voice})
    label = learner_label(grant, enrolment.learner)
    rows = [(row, actor_shown(event.actor_id, row.who), mask_text(row.details))
            for row, event in zip(selectors.timeline_rows(record, hide_file_names=grant.blind), record.events,
                                  strict=True)]
    writer.text(f"{folder}/index.html", render_to_string(TEMPLATES + "pack_learner.html", {
        "grant": grant, "blind": grant.blind, "css": "../../pack.css", "n": n, "label": label, "record": record,
        "enrolment": enrolment, "evidence": evidence, "reviews": reviews, "timeline": rows,
        "sign_offs": [(eu, record.sign_offs.get(eu.pk, [])) for eu in record.units]}))
    return {"n": n, "path": f"{folder}/index.html", "label": label, "enrolment": enrolment,
            "units": len(record.units), "evidence": len(record.evidence),
            "files": sum(len(e["files"]) for e in evidence)}


def _write_plans(writer: PackWriter, grant: EqaGrant, enrolments, context: dict) -> None:
    rows = [(learner_label(grant, row.learner), row) for row in selectors.plan_rows(enrolments)]
    writer.text("assessment-plans.html", render_to_string(TEMPLATES + "pack_plans.html", {**context, "rows": rows}))
    writer.chunks("assessment-plans.csv", [csv_table([PLAN_COLUMNS, *(
        (label, row.qualification, row.assessor.display_name, row.plan_number, row.plan_status, row.unit_codes,
         row.method, row.target_date.isoformat(), _date(row.agreed_on)) for label, row in rows)])], compress=True)


def _labelled_iqa(grant: EqaGrant, iqa: selectors.IqaRecords) -> selectors.IqaRecords:
    for plan in iqa.plans:
        for item in plan.scoped_items:
            item.learner_label = learner_label(grant, item.enrolment.learner)
    for sample in iqa.samples:
        sample.learner_label = learner_label(grant, sample.enrolment.learner)
    return iqa


def _write_meeting_files(writer: PackWriter, standardisation: selectors.Standardisation) -> dict[int, str]:
    paths = {}
    for meeting in standardisation.meetings:
        for stored in meeting.shown_files:
            paths[stored.pk] = f"standardisation/{meeting.pk}/{stored.pk}-{safe_name(stored.original_name)}"
            writer.chunks(paths[stored.pk], storage_chunks(stored.file))
    for meeting in standardisation.meetings:
        meeting.file_links = [(stored, paths[stored.pk]) for stored in meeting.shown_files]
    return paths


def _manifest(grant: EqaGrant, built: Built, built_by: User | None, pack: SamplePack | None,
              when: datetime.datetime, checkpoint: dict) -> dict:
    return {
        "format": FORMAT,
        "centre": {"id": grant.centre_id, "name": grant.centre.name},
        "grant": {"id": grant.pk, "scope": grant.scope, "scope_label": str(grant.get_scope_display()),
                  "qualification": grant.qualification_id, "cohort_month": _date(grant.cohort_month),
                  "plan": grant.plan_id, "starts_at": grant.starts_at.isoformat(),
                  "expires_at": grant.expires_at.isoformat(), "visit_on": _date(grant.visit_on),
                  "awarding_body": grant.awarding_body, "blind": grant.blind},
        "pack": pack.pk if pack is not None else None,
        "built_at": when.isoformat(),
        "built_by": ({"id": built_by.pk, "name": built_by.display_name} if built_by is not None
                     else {"id": None, "name": _("command line (manage.py eqa_sample_pack)")}),
        "learners": built.learners,
        "checkpoint": checkpoint,
        "files": built.files,
    }


def _file_name(grant: EqaGrant, stored) -> str:
    if grant.blind:  # a file's own name often carries its author's
        return f"{stored.pk}-file{extension_of(stored.original_name)}"
    return f"{stored.pk}-{safe_name(stored.original_name)}"


def _date(value) -> str | None:
    return value.isoformat() if value else None


# --- Building a pack's record: claimed, written, stored, marked ready or failed ---------------------------

def sample_pack_build(*, pack_id: int) -> bool:
    """Build a queued pack and mark it ready (or failed, saying why). Safe to run twice: a pack that is ready or
    being built elsewhere is left alone. Transient errors are raised again for the task to retry."""
    pack = _claim(pack_id)
    if pack is None:
        return False
    try:
        name, size, digest, built = _build_to_storage(pack)
    except Exception as error:
        _fail(pack_id, error)
        if isinstance(error, TRANSIENT):
            raise
        log.exception("sample pack %s failed", pack_id)
        return False
    with transaction.atomic():
        locked = SamplePack.objects.select_for_update().get(pk=pack_id)
        move_status(locked, SamplePack.Status.READY, table=SamplePack.MOVES)
        locked.file.name, locked.size, locked.sha256 = name, size, digest
        locked.file_count, locked.checkpoint = built.file_count, built.manifest["checkpoint"]
        locked.finished_at, locked.error = timezone.now(), ""
        locked.save()
        audit_record(action="eqa.pack_built", centre=locked.grant.centre, target=locked, data={
            "grant": locked.grant_id, "size": size, "sha256": digest, "files": built.file_count,
            "learners": built.learners, "checkpoint_seq": locked.checkpoint["head_seq"]})
    return True


def _claim(pack_id: int) -> SamplePack | None:
    with transaction.atomic():
        pack = SamplePack.objects.select_for_update().select_related("grant__centre", "requested_by").filter(
            pk=pack_id).first()
        if pack is None or pack.status == SamplePack.Status.READY:
            return None
        if pack.status == SamplePack.Status.BUILDING:
            if pack.started_at and timezone.now() - pack.started_at < STALE_BUILD:
                return None  # another worker is on it
            move_status(pack, SamplePack.Status.FAILED, table=SamplePack.MOVES)
        move_status(pack, SamplePack.Status.BUILDING, table=SamplePack.MOVES)
        pack.started_at, pack.error = timezone.now(), ""
        pack.save(update_fields=["status", "started_at", "error"])
    return pack


def _build_to_storage(pack: SamplePack):
    """The ZIP in a temporary file on disk, then into the default storage under sample-packs/ (private)."""
    with tempfile.TemporaryFile(prefix="leap-pack-") as out:
        built = pack_write(grant=pack.grant, out=out, built_by=pack.requested_by, pack=pack)
        size, digest = file_digest(out)
        out.seek(0)
        name = pack.file.field.generate_filename(
            pack, f"grant-{pack.grant_id}-pack-{pack.pk}-{secrets.token_hex(8)}.zip")
        name = pack.file.storage.save(name, File(out, name=name), max_length=300)
    return name, size, digest, built


def _fail(pack_id: int, error: Exception) -> None:
    with transaction.atomic():
        pack = SamplePack.objects.select_for_update().get(pk=pack_id)
        if pack.status != SamplePack.Status.BUILDING:
            return
        move_status(pack, SamplePack.Status.FAILED, table=SamplePack.MOVES)
        pack.error, pack.finished_at = f"{type(error).__name__}: {error}"[:2000], timezone.now()
        pack.save(update_fields=["status", "error", "finished_at"])


def sample_packs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored ZIP of every expired pack (the record stays, with its hash). Safe to run twice."""
    now = now or timezone.now()
    swept = 0
    for pack in SamplePack.objects.filter(expires_at__lte=now).exclude(file="").select_related("grant__centre"):
        pack.file.delete(save=False)
        with transaction.atomic():
            SamplePack.objects.filter(pk=pack.pk).update(file="")
            audit_record(action="eqa.pack_expired", centre=pack.grant.centre, target=pack,
                         data={"grant": pack.grant_id, "sha256": pack.sha256})
        swept += 1
    return swept


# --- Verifying a pack -------------------------------------------------------------------------------------

@dataclass
class Verification:
    checked: int = 0
    differ: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problem: str = ""  # the pack could not be read at all

    @property
    def ok(self) -> bool:
        return not (self.differ or self.missing or self.extra or self.problem)


def verify_pack(source) -> Verification:
    """Re-hash every entry of the ZIP at `source` (a path or a binary file) against its manifest."""
    found = Verification()
    try:
        with zipfile.ZipFile(source) as zf:
            listed = {entry["path"]: entry for entry in json.loads(zf.read(MANIFEST))["files"]}
            names = [name for name in zf.namelist() if name != MANIFEST and not name.endswith("/")]
            for name in names:
                entry = listed.get(name)
                if entry is None:
                    found.extra.append(name)
                    continue
                found.checked += 1
                if entry_digest(zf, name) != (entry["sha256"], entry["size"]):
                    found.differ.append(name)
            found.missing = sorted(set(listed) - set(names))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        found.problem = _("not a readable sample pack (%(error)s)") % {"error": error}
    return found


def pack_file_name(grant: EqaGrant, when: datetime.datetime) -> str:
    return f"sample-pack-grant-{grant.pk}-{timezone.localtime(when):%Y%m%d-%H%M}.zip"

