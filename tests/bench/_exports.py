"""Scenario: the export of one learner's portfolio holding 1,000 MB of evidence files (50 items x 20 MB on local
disk), written by `write_portfolio_export` (what the export task runs) into a file, in a process of its own whose
peak RSS growth is measured; then the ZIP checked by `verify_export`.

The learner, enrolment, evidence and file rows are written in bulk through the ORM and the files straight to
MEDIA_ROOT, each a 1 MB random block repeated behind a header of its own: the point is the export.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leap import demo
from portfolios.models import Evidence, EvidenceFile
from records.exports.verify import verify_export

from ._assessment import _enrol, _learners, _specification
from ._measure import PageFailure, Row
from ._upload import MEMORY_LIMIT_MB, REPO_ROOT, _memory_mb, _reset_peak

User = get_user_model()

MB = 1024 * 1024
EXPORT_ITEMS, EXPORT_FILE_MB = 50, 20
EXPORT_MB = EXPORT_ITEMS * EXPORT_FILE_MB
EXPORT_TIMEOUT_SECONDS = 900
CHILD = ("import django, sys; django.setup(); from tests.bench._exports import export_here; "
         "export_here(int(sys.argv[1]), sys.argv[2])")


def _portfolio(centre) -> User:
    """One learner on a qualification with 50 submitted evidence items, each holding one 20 MB file."""
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    version = _specification(centre, "BENCH-EXPORT", 4, 3)
    [learner] = _learners(centre, assessor, "export", 1)
    [enrolment] = _enrol(centre, version, assessor, [learner])
    now = timezone.now()
    evidence = Evidence.objects.bulk_create(
        Evidence(enrolment=enrolment, title=f"Practical {i + 1}", reflection=f"What I did in practical {i + 1}.",
                 status=Evidence.Status.SUBMITTED, submitted_at=now, method="observation")
        for i in range(EXPORT_ITEMS))
    folder = Path(settings.MEDIA_ROOT) / "evidence" / "bench-export"
    folder.mkdir(parents=True, exist_ok=True)
    block, rows = os.urandom(MB), []
    for item in evidence:
        name = f"evidence/bench-export/{item.pk}.mp4"
        with open(Path(settings.MEDIA_ROOT) / name, "wb") as handle:
            handle.write(f"bench export {item.pk:012d}".encode().ljust(64, b"."))
            for _ in range(EXPORT_FILE_MB):
                handle.write(block)
        rows.append(EvidenceFile(evidence=item, file=name, original_name=f"practical-{item.pk}.mp4", extension=".mp4",
                                 kind=EvidenceFile.Kind.VIDEO, content_type="video/mp4",
                                 size=EXPORT_FILE_MB * MB + 64, processed_at=now))
    EvidenceFile.objects.bulk_create(rows)
    return learner


def export_here(learner_id: int, path: str) -> None:
    """In the exporting process: its RSS before, the export into `path`, its peak RSS after; printed as JSON."""
    from records.exports.builder import write_portfolio_export

    learner = User.objects.get(pk=learner_id)
    peak_reset = _reset_peak(os.getpid())
    before = _memory_mb(os.getpid())
    start = time.perf_counter()
    with open(path, "wb") as out:
        summary = write_portfolio_export(learner=learner, out=out)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "before": before, "after": _memory_mb(os.getpid()),
                      "peak_reset": peak_reset, "size": summary.size, "files": summary.file_count}))


def export_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    start = time.perf_counter()
    with transaction.atomic():
        learner = _portfolio(centre)
    setup_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="leap-bench-export-") as folder:
        path = Path(folder) / "portfolio.zip"
        done = subprocess.run([sys.executable, "-c", CHILD, str(learner.pk), str(path)], cwd=REPO_ROOT,
                              env=os.environ.copy(), capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS)
        if done.returncode != 0:
            raise PageFailure(f"the exporting process failed: {done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        start = time.perf_counter()
        check = verify_export(path)
        verify_seconds = time.perf_counter() - start
    if not check.ok:
        raise PageFailure(f"the bench's export does not verify: {check.problems[:5]}")
    growth = result["after"]["VmHWM"] - result["before"]["VmRSS"]
    operation = (f"export of a portfolio with {EXPORT_MB:,} MB of files ({EXPORT_ITEMS} x {EXPORT_FILE_MB} MB): "
                 "ZIP with data.json, leap2a.xml, pages and manifest to a file (own process)")
    return [
        Row(scenario, f"write {EXPORT_MB:,} MB of evidence files and rows", "total", round(setup_seconds, 2), "s"),
        Row(scenario, operation, "build time", round(result["seconds"], 2), "s"),
        Row(scenario, operation, "throughput", round(result["size"] / MB / result["seconds"], 1), "MB/s"),
        Row(scenario, operation, "ZIP size", round(result["size"] / MB, 1), "MB"),
        Row(scenario, operation, "entries in the ZIP", result["files"], "files"),
        Row(scenario, operation, "process RSS before", round(result["before"]["VmRSS"], 1), "MB"),
        Row(scenario, operation, "peak RSS growth" if result["peak_reset"] else "peak RSS growth (upper bound)",
            round(growth, 1), "MB"),
        Row(scenario, operation, f"peak growth under {MEMORY_LIMIT_MB} MB", float(growth < MEMORY_LIMIT_MB),
            "PASS" if growth < MEMORY_LIMIT_MB else "FAIL"),
        Row(scenario, f"verify_export of that ZIP ({check.files} files re-hashed)", "total", round(verify_seconds, 2),
            "s"),
    ]
