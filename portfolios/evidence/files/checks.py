"""check_upload: decide what an uploaded file is from its content, refuse what is not allowed, clean its name."""

import functools
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageFile

from portfolios.evidence.files import formats
from portfolios.evidence.files.formats import (
    Format,
    Kind,
    Refusal,
    Source,
    max_image_pixels,
    max_upload_bytes,
    opened,
    read_at,
)
from portfolios.evidence.files.sniffing import sniff

MAX_NAME_LENGTH = 120
# Only a suffix we know as a file extension counts as one, so "J.Smith" or "Unit 3.2" keep their dots.
KNOWN_EXTENSIONS = frozenset(
    ext for fmt in formats.ALLOWED_FORMATS for ext in fmt.extensions
) | frozenset(f".{ext}" for ext in (
    "gif bmp tif tiff svg svgz avif dng psd eps ai html htm xhtml xml js mjs php py sh bash bat cmd ps1 vbs "
    "exe dll msi apk app jar com scr zip rar 7z gz tgz tar bz2 xz zst doc dot xls ppt docm dotm xlsm xlsb pptm rtf "
    "pages numbers key avi mkv wmv flv 3gp 3g2 aac amr flac wma csv md json log"
).split())
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|]')  # path separators and what Windows or header quoting cannot take
DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}  # controls, bidi overrides that fake extensions, etc.


@dataclass(frozen=True)
class CheckedFile:
    kind: Kind
    content_type: str
    extension: str
    clean_name: str
    renamed: bool = False  # the name's extension claimed another type than the content
    thumbnailable: bool = False  # Pillow can decode it (False for HEIC without pillow-heif): skip thumbnails if not


class FileRefused(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name, reason)
        self.name = name
        self.reason = reason

    def __str__(self) -> str:
        return f"“{self.name}”: {self.reason}"


def check_upload(fileobj: Source, name: str, size: int) -> CheckedFile:
    """What the file is, from its content; raises FileRefused. An open file is left rewound."""
    with opened(fileobj) as f:
        found = _identify(f, size)
    if isinstance(found, Refusal):
        raise FileRefused(name, str(found.reason))
    clean_name, renamed = clean_filename(name, found)
    return CheckedFile(
        kind=found.kind, content_type=found.content_type, extension=found.extensions[0], clean_name=clean_name,
        renamed=renamed, thumbnailable=_decodable(found),
    )


def _identify(f: BinaryIO, size: int) -> Format | Refusal:
    if size == 0:
        return formats.EMPTY
    found = sniff(f)
    if isinstance(found, Refusal):
        return found
    if size > max_upload_bytes(found.kind):  # before any decoding: the limits also bound the work done here
        return formats.too_large(found.kind)
    return _verify_content(f, found) or found


def clean_filename(name: str, fmt: Format) -> tuple[str, bool]:
    """The user's name made safe, with an extension that agrees with the content, and whether it was changed."""
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    base = UNSAFE_IN_NAMES.sub("", "".join(c for c in base if unicodedata.category(c) not in DROPPED_CATEGORIES))
    stem, dot, suffix = base.rpartition(".")
    claimed = f".{suffix}".lower() if dot else ""
    if claimed not in KNOWN_EXTENSIONS:
        stem, claimed = base, ""
    extension = claimed if claimed in fmt.extensions else fmt.extensions[0]
    stem = " ".join(stem.split()).strip(" .")[:MAX_NAME_LENGTH - len(extension)].rstrip(" .")
    return (stem or "evidence") + extension, bool(claimed) and claimed != extension


@functools.cache
def heif_opener_registered() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _verify_content(f: BinaryIO, fmt: Format) -> Refusal | None:
    if fmt.kind == "text":
        return _text_problem(f)
    if _decodable(fmt):
        return _image_problem(f, fmt.pillow)
    return None


def _decodable(fmt: Format) -> bool:
    # Without pillow-heif, HEIC is accepted on its signature alone and gets no thumbnail.
    return bool(fmt.pillow) and (fmt.pillow != "HEIF" or heif_opener_registered())


def _text_problem(f: BinaryIO) -> Refusal | None:
    # The sniffer saw only the start; text is small enough (by its limit) to check whole.
    data = read_at(f, 0, max_upload_bytes("text") + 1)
    if b"\x00" in data:
        return formats.UNKNOWN
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return formats.NOT_UTF8
    return None


def _image_problem(f: BinaryIO, pillow_format: str) -> Refusal | None:
    f.seek(0)
    with warnings.catch_warnings():
        # Between its limit and twice that, Pillow only warns; as an error nothing slips through.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(f, formats=[pillow_format]) as image:
                # Image.open reads only the header: refuse a bomb before decoding a single pixel.
                if image.width * image.height > max_image_pixels():
                    return formats.too_many_pixels()
                return _decode(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return formats.too_many_pixels()
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            return formats.DAMAGED_IMAGE


def _decode(image: Image.Image) -> Refusal | None:
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is imported; a
    # truncated photo would then decode "fine" with grey padding. Our check must see truncation.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        return formats.TRUNCATED_IMAGE
    return None
