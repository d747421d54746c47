"""The file formats evidence may arrive in, the refusals, and the upload limits per kind."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Literal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Kind = Literal["image", "video", "audio", "pdf", "document", "text"]
KINDS: tuple[Kind, ...] = ("image", "video", "audio", "pdf", "document", "text")
Source = str | os.PathLike[str] | BinaryIO

MB = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES: dict[str, int] = {
    "image": 30 * MB, "video": 500 * MB, "audio": 200 * MB, "pdf": 50 * MB, "document": 50 * MB, "text": 2 * MB,
}
DEFAULT_MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class Format:
    kind: Kind
    content_type: str
    extensions: tuple[str, ...]  # the first is canonical; the others agree with the content too
    pillow: str = ""  # Pillow's format name, for images we decode to verify


@dataclass(frozen=True)
class Refusal:
    reason: str | Promise


JPEG = Format("image", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), "JPEG")
PNG = Format("image", "image/png", (".png",), "PNG")
WEBP = Format("image", "image/webp", (".webp",), "WEBP")
HEIC = Format("image", "image/heic", (".heic", ".heif"), "HEIF")
HEIF = Format("image", "image/heif", (".heif", ".heic"), "HEIF")
MP4 = Format("video", "video/mp4", (".mp4", ".m4v"))
MOV = Format("video", "video/quicktime", (".mov", ".qt"))
WEBM = Format("video", "video/webm", (".webm",))
M4A = Format("audio", "audio/mp4", (".m4a", ".mp4"))
MP3 = Format("audio", "audio/mpeg", (".mp3",))
WAV = Format("audio", "audio/wav", (".wav", ".wave"))
OGG = Format("audio", "audio/ogg", (".ogg", ".oga", ".opus"))
WEBM_AUDIO = Format("audio", "audio/webm", (".webm", ".weba"))
PDF = Format("pdf", "application/pdf", (".pdf",))
DOCX = Format("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = Format("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = Format("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",))
ODT = Format("document", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = Format("document", "application/vnd.oasis.opendocument.spreadsheet", (".ods",))
ODP = Format("document", "application/vnd.oasis.opendocument.presentation", (".odp",))
TEXT = Format("text", "text/plain; charset=utf-8", (".txt",))
ALLOWED_FORMATS = (JPEG, PNG, WEBP, HEIC, HEIF, MP4, MOV, WEBM, M4A, MP3, WAV, OGG, WEBM_AUDIO, PDF, DOCX, XLSX, PPTX,
                   ODT, ODS, ODP, TEXT)
OPENDOCUMENTS = {fmt.content_type: fmt for fmt in (ODT, ODS, ODP)}
DOWNLOAD_ONLY = "application/octet-stream"
INLINE_KINDS: frozenset[Kind] = frozenset({"image", "video", "audio", "pdf"})  # shown in a page, never run


def served_as(content_type: str, *, inline: bool) -> tuple[str, bool]:
    """The type and inline-ness a stored file is sent with: its stored (sniffed) type only if it is one LEAP
    accepts, and inline only for media a browser shows rather than runs. Anything else, whatever the database
    or the bucket says, is a download, so a stored file can never render as a page of this site."""
    found = next((fmt for fmt in ALLOWED_FORMATS if fmt.content_type == content_type), None)
    if found is None:
        return DOWNLOAD_ONLY, False
    return found.content_type, inline and found.kind in INLINE_KINDS

EMPTY = Refusal(_("the file is empty"))
UNKNOWN = Refusal(_("this type of file is not accepted; allowed: photos, videos, audio, PDF, "
                    "Office and OpenDocument documents, plain text"))
SVG = Refusal(_("SVG images can carry scripts and are not accepted; export it as PNG"))
HTML = Refusal(_("web pages (HTML) can carry scripts and are not accepted; save it as PDF"))
XML = Refusal(_("XML files are not accepted; save it as PDF or plain text"))
SCRIPT = Refusal(_("scripts are not accepted; upload a screenshot or a PDF of it instead"))
EXECUTABLE = Refusal(_("programs are not accepted"))
ARCHIVE = Refusal(_("archives are not accepted; upload the files themselves"))
MACROS = Refusal(_("documents with macros are not accepted; save it without macros (.docx, .xlsx or .pptx)"))
LEGACY_OFFICE = Refusal(_("old Office formats (.doc, .xls, .ppt) are not accepted; save it as .docx, .xlsx, "
                          ".pptx or PDF"))
ENCRYPTED_DOCUMENT = Refusal(_("password-protected documents cannot be opened by your assessor; remove the "
                               "password and upload it again"))
NOT_UTF8 = Refusal(_("text files must be saved as UTF-8"))
DAMAGED_DOCUMENT = Refusal(_("the document is damaged and cannot be opened"))
DAMAGED_IMAGE = Refusal(_("the image is damaged and cannot be opened"))
TRUNCATED_IMAGE = Refusal(_("the image is damaged or incomplete (truncated)"))

KIND_LABELS = {
    "image": _("photos"), "video": _("videos"), "audio": _("audio recordings"), "pdf": _("PDF files"),
    "document": _("documents"), "text": _("text files"),
}


def max_upload_bytes(kind: Kind) -> int:
    # Deployments may override only some kinds; the rest keep their defaults.
    limits = getattr(settings, "LEAP_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
    return int(limits.get(kind, DEFAULT_MAX_UPLOAD_BYTES[kind]))


def max_any_upload_bytes() -> int:
    return max(max_upload_bytes(kind) for kind in KINDS)


def max_image_pixels() -> int:
    return int(getattr(settings, "LEAP_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def too_large(kind: Kind) -> Refusal:
    megabytes = f"{max_upload_bytes(kind) / MB:.1f}".removesuffix(".0")
    return Refusal(_("the file is larger than the %(mb)s MB allowed for %(what)s")
                   % {"mb": megabytes, "what": KIND_LABELS[kind]})


def too_many_pixels() -> Refusal:
    return Refusal(_("the image is too large to process (over %(mp)s megapixels)")
                   % {"mp": f"{max_image_pixels() / 1_000_000:g}"})


@contextmanager
def opened(source: Source) -> Iterator[BinaryIO]:
    """A binary file at its start; an open file is rewound afterwards and left open for the caller."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            yield f
        return
    source.seek(0)
    try:
        yield source
    finally:
        source.seek(0)


def read_at(f: BinaryIO, offset: int, count: int) -> bytes:
    f.seek(offset)
    return f.read(count)
