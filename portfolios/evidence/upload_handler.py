"""How an evidence file arrives through the web process: streamed to a temporary file and hashed as it comes.

Django's multipart parser hands each chunk of a posted file to the request's upload handlers. This one does it
all in a single pass: it stops the request as soon as a file passes the largest size LEAP accepts (before the rest
is read), writes every file to a temporary file (in embedded mode beside the media, FILE_UPLOAD_TEMP_DIR, so that
storing it is a rename), and computes its SHA-256 on the way, so nothing reads the file again to hash it.
"""

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

from portfolios.evidence.files.formats import max_any_upload_bytes

CHUNK_BYTES = 256 * 1024  # 4 times fewer turns of the parser's loop than Django's 64 KB; larger ones measured slower
# A temporary file older than this belongs to an upload whose process was killed mid-way: nothing will claim it.
STALE_SECONDS = 24 * 3600
SWEEP_EVERY_SECONDS = 3600


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    chunk_size = CHUNK_BYTES

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.cap = max_any_upload_bytes()
        self.digest = hashlib.sha256()

    def new_file(self, *args, **kwargs) -> None:
        if cache.add("evidence:uploads-swept", 1, timeout=SWEEP_EVERY_SECONDS):
            stale_uploads_remove()
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if start + len(raw_data) > self.cap:
            raise StopUpload(connection_reset=True)  # the parser closes (and so deletes) the temporary file
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile:
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded


def use_evidence_upload_handler(request: HttpRequest) -> None:
    """Receive the request's files with EvidenceUploadHandler. Call before anything reads the body."""
    request.upload_handlers = [EvidenceUploadHandler(request)]


def streamed_sha256(upload: UploadedFile) -> str:
    """The SHA-256 computed as ``upload`` arrived, or "" for a file that came another way (then processing
    hashes it)."""
    return getattr(upload, "sha256", "")


def stale_uploads_remove(*, now: float | None = None) -> int:
    """Remove what uploads cut off by a killed process left in FILE_UPLOAD_TEMP_DIR (embedded mode: a directory of
    LEAP's own, which the system never empties). At most once an hour, from the next upload. Returns the count."""
    folder = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
    if not folder:
        return 0  # the system's temporary directory: the system's own to clean
    cutoff = (now or time.time()) - STALE_SECONDS
    removed = 0
    for path in Path(folder).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # finished (or swept by another process) meanwhile
            continue
    return removed
