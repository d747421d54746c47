"""A learner's whole portfolio as one ZIP, written with constant memory (centres.zip_stream): the stored files are
copied chunk by chunk straight from storage and hashed as they are written, so the worker's memory does not grow
with the size of the portfolio, only (a little) with its number of records.

What the ZIP holds (docs/export-schema/README.md says it for readers):
`files/` the originals (`files/messages/` the conversations' voice notes and attachments), `badges/` the baked
OB 2.0 and OB 3.0 images with the OB 3.0 credential and its JWT, `certificates/` the PDFs, `data.json` (LEAP's
format), `leap2a.xml` (Leap2A), `index.html` with a page per qualification, per unit and per conversation and
`style.css`, and `manifest.json` last: every other entry's size and SHA-256 and, for each signed-off unit, its
seal and audit events with the proof that they belong to the signed chain.
"""

import datetime
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from badges.certificates.pdf import certificate_pdf_bytes
from badges.certificates.selectors import certificate_verification_url
from badges.models import Award, Certificate
from badges.openbadges import addresses, ob2, ob3
from badges.openbadges.baking import OB2_KEYWORD, OB3_KEYWORD, bake_png
from centres.models import Centre
from centres.zip_stream import ZipStreamWriter, extension_of, safe_name, storage_chunks

from . import audit_trail, data_json, leap2a, offline
from .portfolio import Portfolio, portfolio_of

FORMAT, VERSION = "leap-portfolio-export", 1
MANIFEST = "manifest.json"
PURPOSES = ("self", "staff", "subject_access")


@dataclass
class ExportSummary:
    file_count: int
    size: int
    sha256: str  # of the whole ZIP
    manifest: dict = field(default_factory=dict)


class _HashedOut:
    """The output, hashed and counted as the ZIP is written. It offers no seek: the ZIP is then written strictly
    in order (data descriptors after each entry), so the hash is the hash of the file."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def write_portfolio_export(*, learner: User, out: BinaryIO, centre: Centre | None = None,
                           purpose: str = "self") -> ExportSummary:
    """Write the learner's whole portfolio as a ZIP into `out` (a writable binary file; need not be seekable),
    streaming (constant memory). centre=None: every enrolment of the learner in every centre; a centre: only that
    centre's. Reads only; records no audit event (the caller does)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    exported_at = timezone.now()
    portfolio = portfolio_of(learner, centre)
    hashed = _HashedOut(out)
    with zipfile.ZipFile(hashed, "w", allowZip64=True) as zf:
        writer = ZipStreamWriter(zf, exported_at)
        paths = _write_files(writer, portfolio)
        document = data_json.portfolio_document(portfolio, exported_at=exported_at, paths=paths)
        writer.text("data.json", json.dumps(document, indent=1, ensure_ascii=False))
        writer.text("leap2a.xml", leap2a.leap2a_document(portfolio, exported_at=exported_at, paths=paths))
        writer.text("style.css", offline.STYLE)
        for path, html in offline.pages(portfolio, exported_at=exported_at, paths=paths):
            writer.text(path, html)
        sealed, chains = audit_trail.sealed_units(portfolio, paths)
        manifest = {
            "format": FORMAT, "version": VERSION, "data_format": f"{data_json.FORMAT}/{data_json.VERSION}",
            "exported_at": exported_at.isoformat(), "purpose": purpose,
            "learner": data_json.person(learner),
            "centre": {"name": centre.name, "slug": centre.slug} if centre else None,
            "files": writer.files, "sealed_units": sealed, "audit_chains": chains,
        }
        writer.unlisted(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
    return ExportSummary(file_count=len(writer.files) + 1, size=hashed.size, sha256=hashed.digest.hexdigest(),
                         manifest=manifest)


def _write_files(writer: ZipStreamWriter, portfolio: Portfolio) -> dict:
    """Every stored file into the ZIP; what each became, by ("evidence", file id), ("voice", review id),
    ("message_file", message file id), ("award", award id) (a list), ("certificate", certificate id), plus the
    verification addresses."""
    paths: dict = {}
    for record in portfolio.enrolments:
        for item in record.evidence:
            for stored in item.shown_files:
                path = f"files/{record.ref}/{item.pk}/{stored.pk}-{safe_name(stored.original_name)}"
                paths[("evidence", stored.pk)] = writer.chunks(path, storage_chunks(stored.file))
            for review in item.shown_reviews:
                if review.voice_feedback:
                    path = f"files/{record.ref}/feedback/review-{review.pk}{extension_of(review.voice_feedback.name)}"
                    paths[("voice", review.pk)] = writer.chunks(path, storage_chunks(review.voice_feedback))
        for message in record.messages:
            for stored in message.shown_files:
                path = f"files/messages/{record.ref}/{message.pk}-{stored.pk}-{safe_name(stored.original_name)}"
                paths[("message_file", stored.pk)] = writer.chunks(path, storage_chunks(stored.file))
    for award in portfolio.awards:
        paths[("award_url", award.pk)] = addresses.credential_url(award)
        if award.revoked_at is None:
            paths[("award", award.pk)] = _write_award(writer, award)
    for certificate in portfolio.certificates:
        paths[("certificate_url", certificate.pk)] = certificate_verification_url(certificate)
        paths[("certificate", certificate.pk)] = _write_certificate(writer, certificate)
    return paths


def _write_award(writer: ZipStreamWriter, award: Award) -> list[dict]:
    """The baked images as the award was baked (baked here, in memory, if the worker has not yet), the signed
    OB 3.0 credential and its VC-JWT."""
    stem = f"badges/{award.pk}-{slugify(award.badge_class.name)[:60] or 'badge'}"
    credential = ob3.signed_credential(award)
    written = []
    for field_name, keyword, text, label in (
            ("baked_ob2", OB2_KEYWORD, lambda: json.dumps(ob2.assertion(award), ensure_ascii=False), "OB 2.0"),
            ("baked_ob3", OB3_KEYWORD, lambda: json.dumps(credential, ensure_ascii=False), "OB 3.0")):
        baked = getattr(award, field_name)
        path = f"{stem}-{field_name.removeprefix('baked_')}.png"
        if baked:
            entry = writer.chunks(path, storage_chunks(baked))
        else:
            with award.badge_class.image.open("rb") as image:
                entry = writer.chunks(path, [bake_png(image.read(), keyword, text())])
        written.append({**entry, "type": "image/png", "label": f"{label} (PNG)"})
    entry = writer.text(f"{stem}-ob3.json", json.dumps(credential, indent=1, ensure_ascii=False))
    written.append({**entry, "type": "application/json", "label": "OB 3.0 (JSON)"})
    entry = writer.text(f"{stem}-ob3.jwt", ob3.signed_jwt(award))
    written.append({**entry, "type": "application/jwt", "label": "OB 3.0 (JWT)"})
    return written


def _write_certificate(writer: ZipStreamWriter, certificate: Certificate) -> dict:
    """The stored PDF, or one rendered now (as the rendering task would) when it is missing."""
    path = f"certificates/{safe_name(certificate.number)}.pdf"
    if certificate.pdf:
        return writer.chunks(path, storage_chunks(certificate.pdf))
    return writer.chunks(path, [certificate_pdf_bytes(certificate)])


def export_file_name(learner: User, when: datetime.datetime) -> str:
    return f"portfolio-{slugify(learner.get_full_name()) or learner.pk}-{timezone.localtime(when):%Y%m%d-%H%M}.zip"
