"""ZIP files written and read with constant memory, for every app that hands out an archive (sample packs,
portfolio exports): each entry goes through `zf.open(name, "w")`, stored files are copied chunk by chunk straight
from storage (local disk or S3) and every entry is hashed as it is written, so that a manifest can list it."""

import datetime
import hashlib
import zipfile
from collections.abc import Iterable, Iterator

from django.core.exceptions import SuspiciousFileOperation
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import get_valid_filename
from storages.utils import clean_name

CHUNK = 1024 * 1024


class ZipStreamWriter:
    """Writes entries into an open ZipFile, hashing each as it goes; `files` lists path, size and SHA-256."""

    def __init__(self, zf: zipfile.ZipFile, when: datetime.datetime) -> None:
        self.zf, self.files = zf, []
        self.date_time = timezone.localtime(when).timetuple()[:6]

    def text(self, path: str, text: str) -> dict:
        return self.chunks(path, [text.encode()], compress=True)

    def chunks(self, path: str, chunks: Iterable[bytes], *, compress: bool = False) -> dict:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        # Photos, videos and PDFs are compressed already: storing them costs nothing and saves the time.
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        digest, size = hashlib.sha256(), 0
        with self.zf.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        entry = {"path": path, "size": size, "sha256": digest.hexdigest()}
        self.files.append(entry)
        return entry

    def unlisted(self, path: str, text: str) -> None:
        """An entry the manifest does not list (the manifest itself)."""
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(info, text)


def storage_open(field_file: FieldFile):
    """A stored file open for reading as a stream. django-storages' S3File would first download the whole object
    (into memory, by default), so an S3 object is read from its streaming body instead."""
    storage = field_file.storage
    if hasattr(storage, "bucket") and hasattr(storage, "_normalize_name"):
        return storage.bucket.Object(storage._normalize_name(clean_name(field_file.name))).get()["Body"]
    return storage.open(field_file.name, "rb")


def storage_chunks(field_file: FieldFile) -> Iterator[bytes]:
    """A stored file's bytes, a chunk at a time (local disk or S3)."""
    handle = storage_open(field_file)
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def safe_name(name: str) -> str:
    """A file name safe inside an archive on any system (at most 100 characters)."""
    try:
        return get_valid_filename(name)[-100:]
    except SuspiciousFileOperation:  # a name of nothing but dots and slashes
        return "file"


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return safe_name(name[dot:]) if dot > name.rfind("/") and len(name) - dot <= 10 else ""


def file_digest(handle) -> tuple[int, str]:
    """Size and SHA-256 of a whole open file, read a chunk at a time from its start."""
    handle.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def entry_digest(zf: zipfile.ZipFile, name: str) -> tuple[str, int] | None:
    """SHA-256 and size of one entry of a ZIP, or None when it cannot be read (a changed byte the CRC catches)."""
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(name) as entry:
            while chunk := entry.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    return digest.hexdigest(), size
