"""Scenario: an EQA sample pack of 200 learners and 1,000 MB of evidence (200 x 5 MB files on local disk), built
by `sample_pack_build` (what the Celery task runs) in a process of its own, whose peak RSS growth is measured; then
the pack re-hashed against its manifest (`verify_sample_pack`).

The learners, enrolments, evidence and file rows are written in bulk through the ORM and the files straight to
MEDIA_ROOT: the point is the pack. Each file is a 1 MB random block repeated, with a header of its own.
"""

import datetime
import json
import os
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leap import demo
from moderation.external.packs.builder import sample_pack_build, verify_pack
from moderation.models import EqaGrant, SamplePack
from portfolios.models import Evidence, EvidenceFile

from ._assessment import _enrol, _learners, _specification
from ._measure import PageFailure, Row
from ._upload import MEMORY_LIMIT_MB, REPO_ROOT, _memory_mb, _reset_peak

User = get_user_model()

MB = 1024 * 1024
PACK_LEARNERS, PACK_FILE_MB = 200, 5
PACK_EVIDENCE_MB = PACK_LEARNERS * PACK_FILE_MB
BUILD_TIMEOUT_SECONDS = 900
# Run in the building process: Django set up, then this module's `build_here` (its rows on stdout as JSON).
CHILD = "import django, sys; django.setup(); from tests.bench._packs import build_here; build_here(int(sys.argv[1]))"


def _evidence_files(centre, admin) -> EqaGrant:
    """200 learners on one qualification, one submitted evidence item each with one 5 MB file; a grant on it."""
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    version = _specification(centre, "BENCH-PACK", 4, 3)
    enrolments = _enrol(centre, version, assessor, _learners(centre, assessor, "pack", PACK_LEARNERS))
    now = timezone.now()
    evidence = Evidence.objects.bulk_create(
        Evidence(enrolment=e, title=f"Site visit {i + 1}", status=Evidence.Status.SUBMITTED, submitted_at=now,
                 method="observation") for i, e in enumerate(enrolments))
    folder = settings.MEDIA_ROOT / "evidence" / "bench-pack"
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MB)
    rows = []
    for item in evidence:
        name = f"evidence/bench-pack/{item.pk}.mp4"
        with open(settings.MEDIA_ROOT / name, "wb") as handle:
            handle.write(f"bench evidence {item.pk:012d}".encode().ljust(64, b"."))
            for _ in range(PACK_FILE_MB):
                handle.write(block)
        rows.append(EvidenceFile(evidence=item, file=name, original_name=f"site-visit-{item.pk}.mp4", extension=".mp4",
                                 kind=EvidenceFile.Kind.VIDEO, content_type="video/mp4",
                                 size=PACK_FILE_MB * MB + 64, processed_at=now))
    EvidenceFile.objects.bulk_create(rows)
    return EqaGrant.objects.create(centre=centre, email="bench.eqa@bench.leap.test", scope="qualification",
                                   qualification=version.qualification, starts_at=now,
                                   expires_at=now + datetime.timedelta(days=14), created_by=admin)


def build_here(pack_id: int) -> None:
    """In the building process: its RSS before, the build, its peak RSS after; printed as JSON."""
    peak_reset = _reset_peak(os.getpid())
    before = _memory_mb(os.getpid())
    start = time.perf_counter()
    built = sample_pack_build(pack_id=pack_id)
    seconds = time.perf_counter() - start
    after = _memory_mb(os.getpid())
    print(json.dumps({"built": built, "seconds": seconds, "before": before, "after": after,
                      "peak_reset": peak_reset}))


def pack_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    admin = User.objects.get(email=demo.ADMIN.email)
    start = time.perf_counter()
    with transaction.atomic():
        grant = _evidence_files(centre, admin)
        pack = SamplePack.objects.create(grant=grant, requested_by=admin,
                                         expires_at=timezone.now() + datetime.timedelta(days=7))
    setup_seconds = time.perf_counter() - start
    result = _build_in_own_process(pack.pk)
    pack.refresh_from_db()
    if not result["built"] or pack.status != SamplePack.Status.READY:
        raise PageFailure(f"the sample pack was not built: {pack.status} {pack.error}")
    start = time.perf_counter()
    with pack.file.open("rb") as handle:
        verification = verify_pack(handle)
    verify_seconds = time.perf_counter() - start
    if not verification.ok:
        raise PageFailure(f"the bench's sample pack does not verify: {verification}")
    growth = result["after"]["VmHWM"] - result["before"]["VmRSS"]
    operation = (f"sample pack, {PACK_LEARNERS} learners, {PACK_EVIDENCE_MB:,} MB evidence: ZIP to temp file, "
                 "hash, store (own process)")
    return [
        Row(scenario, f"write {PACK_EVIDENCE_MB:,} MB of evidence files and rows", "total", round(setup_seconds, 2),
            "s"),
        Row(scenario, operation, "build time", round(result["seconds"], 2), "s"),
        Row(scenario, operation, "throughput", round(pack.size / MB / result["seconds"], 1), "MB/s"),
        Row(scenario, operation, "pack size", round(pack.size / MB, 1), "MB"),
        Row(scenario, operation, "files in the pack", pack.file_count, "files"),
        Row(scenario, operation, "process RSS before", round(result["before"]["VmRSS"], 1), "MB"),
        Row(scenario, operation, "peak RSS growth" if result["peak_reset"] else "peak RSS growth (upper bound)",
            round(growth, 1), "MB"),
        Row(scenario, operation, f"peak growth under {MEMORY_LIMIT_MB} MB", float(growth < MEMORY_LIMIT_MB),
            "PASS" if growth < MEMORY_LIMIT_MB else "FAIL"),
        Row(scenario, f"verify_sample_pack of that pack ({verification.checked} files re-hashed)", "total",
            round(verify_seconds, 2), "s"),
    ]


def _build_in_own_process(pack_id: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(pack_id)], cwd=REPO_ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
    if done.returncode != 0:
        raise PageFailure(f"the pack-building process failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
