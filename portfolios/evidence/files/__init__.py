"""Evidence files: what an upload really is (check_upload) and the work done on it afterwards.

Framework-light: Django is used only for settings (upload limits) and translations of the refusal reasons.
"""

from portfolios.evidence.files.checks import CheckedFile, FileRefused, check_upload
from portfolios.evidence.files.formats import (
    DEFAULT_MAX_IMAGE_PIXELS,
    DEFAULT_MAX_UPLOAD_BYTES,
    KINDS,
    Kind,
    max_upload_bytes,
)
from portfolios.evidence.files.location import strip_image_location
from portfolios.evidence.files.processing import (
    HEIF_CONTENT_TYPES,
    heif_as_jpeg,
    image_capture_time,
    make_thumbnail,
    sha256_of,
    video_poster,
)

__all__ = [
    "DEFAULT_MAX_IMAGE_PIXELS", "DEFAULT_MAX_UPLOAD_BYTES", "KINDS", "MAX_ANY_UPLOAD_BYTES",
    "CheckedFile", "FileRefused", "Kind", "check_upload", "max_upload_bytes",
    "image_capture_time", "make_thumbnail", "sha256_of", "strip_image_location", "video_poster",
    "HEIF_CONTENT_TYPES", "heif_as_jpeg",
]


def __getattr__(name: str) -> int:
    # Computed on access rather than at import, so it follows settings (and test overrides) and importing
    # this package never needs configured settings.
    if name == "MAX_ANY_UPLOAD_BYTES":
        from portfolios.evidence.files.formats import max_any_upload_bytes

        return max_any_upload_bytes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
