"""Work done on evidence files after upload (by a task): hashes, thumbnails, video posters, capture times."""

import datetime
import hashlib
import io
import os
import shutil
import struct
import subprocess

from PIL import ExifTags, Image, ImageOps

from portfolios.evidence.files.checks import heif_opener_registered
from portfolios.evidence.files.formats import Source, opened

CHUNK_BYTES = 1024 * 1024
THUMBNAIL_QUALITY = 80
FFMPEG_TIMEOUT_SECONDS = 30
POSTER_WIDTH = 480
IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


def sha256_of(fileobj: Source) -> str:
    digest = hashlib.sha256()
    with opened(fileobj) as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def make_thumbnail(fileobj: Source, max_side: int = 480) -> bytes:
    """A JPEG at most max_side on its longer side, upright, with no EXIF (so no location or camera details)."""
    heif_opener_registered()
    with opened(fileobj) as f, Image.open(f) as image:
        image.draft("RGB", (max_side, max_side))  # JPEG decodes at 1/2, 1/4 or 1/8 scale: far less memory
        icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((max_side, max_side))
        out = io.BytesIO()
        _on_white(upright).save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True, icc_profile=icc_profile)
    return out.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    # JPEG has no transparency; transparent areas would otherwise turn black.
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


def image_capture_time(fileobj: Source) -> datetime.datetime | None:
    """EXIF DateTimeOriginal; aware when the camera recorded its UTC offset, naive (camera's local time) if not."""
    heif_opener_registered()
    try:
        with opened(fileobj) as f, Image.open(f) as image:
            exif = image.getexif().get_ifd(ExifTags.IFD.Exif)
    except IMAGE_ERRORS:
        return None
    taken, offset = exif.get(ExifTags.Base.DateTimeOriginal), exif.get(ExifTags.Base.OffsetTimeOriginal)
    if not isinstance(taken, str):
        return None
    try:
        moment = datetime.datetime.strptime(taken.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        if isinstance(offset, str) and offset.strip("\x00 "):
            moment = moment.replace(tzinfo=datetime.datetime.strptime(offset.strip("\x00 "), "%z").tzinfo)
    except ValueError:
        return None  # cameras write "0000:00:00 00:00:00" when their clock was never set
    return moment


def video_poster(path: str | os.PathLike[str]) -> bytes | None:
    """A JPEG frame 480 px wide from 1 s in (or the first frame of a shorter clip); None without ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    frame = _ffmpeg_frame(ffmpeg, path, "1")
    if frame == b"":  # read fine but nothing at 1 s: a clip shorter than that
        frame = _ffmpeg_frame(ffmpeg, path, "0")
    return frame or None


def _ffmpeg_frame(ffmpeg: str, path: str | os.PathLike[str], seconds: str) -> bytes | None:
    """The frame at ``seconds``; b"" when ffmpeg read the file but found no frame there; None when it could not
    read the file at all (another try would fail the same way)."""
    # "file:" stops a name starting with "-" being read as an option; the whitelist keeps ffmpeg off the network.
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file",
        "-ss", seconds, "-i", "file:" + os.path.abspath(path),
        "-frames:v", "1", "-vf", f"scale={POSTER_WIDTH}:-2", "-f", "image2pipe", "-c:v", "mjpeg", "-",
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout if result.stdout.startswith(b"\xff\xd8") else b""


HEIF_CONTENT_TYPES = ("image/heic", "image/heif")
DATE_TAGS = (0x9003, 0x9004, 0x9010, 0x9011)  # DateTimeOriginal, DateTimeDigitized and their time zones


def heif_as_jpeg(fileobj: Source, quality: int = 90) -> bytes | None:
    """An iPhone's HEIC photo as a JPEG that every browser shows, without its location: the pixels turned
    upright, the capture time kept, nothing else of the EXIF (GPS included) carried over. None when HEIC
    cannot be decoded here (pillow-heif missing)."""
    if not heif_opener_registered():
        return None
    with opened(fileobj) as f, Image.open(f) as image:
        source = image.getexif()
        upright = ImageOps.exif_transpose(image).convert("RGB")
    exif = Image.Exif()
    if 0x0132 in source:
        exif[0x0132] = source[0x0132]
    taken = source.get_ifd(0x8769)
    for tag in DATE_TAGS:
        if tag in taken:
            exif.get_ifd(0x8769)[tag] = taken[tag]
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()
