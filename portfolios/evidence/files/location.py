"""Remove where a photo was taken, keeping when it was taken and which way up it is.

Only the metadata blocks are rewritten; the compressed pixel data is copied byte for byte, so a JPEG loses no
quality and decodes to exactly the same pixels.
"""

import struct

from PIL import ExifTags, Image

from portfolios.evidence.files.formats import Source, opened
from portfolios.evidence.files.png import PNG_SIGNATURE, png_chunk, png_chunks

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER_JPEG = b"http://ns.adobe.com/"
XMP_KEYWORD_PNG = b"XML:com.adobe.xmp\x00"
JPEG_APP1, JPEG_SOS, JPEG_EOI = 0xE1, 0xDA, 0xD9
WEBP_XMP_FLAG = 0x04


def strip_image_location(src_fileobj: Source, content_type: str) -> bytes | None:
    """The image without GPS data, or None when there is none to remove (keep the original then)."""
    strippers = {"image/jpeg": _strip_jpeg, "image/png": _strip_png, "image/webp": _strip_webp}
    stripper = strippers.get(content_type.split(";")[0].strip())
    if stripper is None:
        return None
    with opened(src_fileobj) as f:
        return stripper(f.read())


def _exif_without_gps(raw: bytes) -> bytes | None:
    """EXIF ("Exif\\0\\0" + TIFF) without the GPS IFD; None when it has none."""
    exif = Image.Exif()
    exif.load(raw)
    if ExifTags.IFD.GPSInfo not in exif:
        return None
    del exif[ExifTags.IFD.GPSInfo]
    return exif.tobytes()


def _xmp_has_location(xmp: bytes) -> bool:
    # Editors (Lightroom, Photoshop, drones) repeat the GPS position in XMP as exif:GPSLatitude and the like.
    return b"gpslatitude" in xmp.lower()


def _strip_jpeg(data: bytes) -> bytes | None:
    parts, pos, changed = [data[:2]], 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] not in (JPEG_SOS, JPEG_EOI):
        if data[pos + 1] == 0xFF:  # fill byte before a marker
            parts.append(data[pos:pos + 1])
            pos += 1
            continue
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = data[pos:end]
        kept = _jpeg_segment_without_location(segment) if data[pos + 1] == JPEG_APP1 else segment
        changed = changed or kept != segment
        parts.append(kept)
        pos = end
    parts.append(data[pos:])  # from the first scan on: the compressed pixels, untouched
    return b"".join(parts) if changed else None


def _jpeg_segment_without_location(segment: bytes) -> bytes:
    payload = segment[4:]
    if payload.startswith(XMP_HEADER_JPEG) and _xmp_has_location(payload):
        return b""
    if not payload.startswith(EXIF_HEADER) or (exif := _exif_without_gps(payload)) is None:
        return segment
    if len(exif) + 2 > 0xFFFF:
        raise ValueError("EXIF without GPS does not fit in a JPEG segment")
    return b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif


def _strip_png(data: bytes) -> bytes | None:
    chunks, rest = png_chunks(data)
    parts, changed = [data[:len(PNG_SIGNATURE)]], False
    for chunk in chunks:
        kept = chunk.raw
        if chunk.kind == b"eXIf" and (exif := _exif_without_gps(EXIF_HEADER + chunk.data)) is not None:
            kept = png_chunk(b"eXIf", exif[len(EXIF_HEADER):])
        elif chunk.kind == b"iTXt" and chunk.data.startswith(XMP_KEYWORD_PNG) and _xmp_has_location(chunk.data):
            kept = b""
        changed = changed or kept != chunk.raw
        parts.append(kept)
    parts.append(rest)
    return b"".join(parts) if changed else None


def _strip_webp(data: bytes) -> bytes | None:
    chunks, pos, changed = [], 12, False
    while pos + 8 <= len(data):
        fourcc, length = struct.unpack("<4sI", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 8 + length + (length & 1)  # chunks are padded to an even length
        if fourcc == b"EXIF" and (exif := _exif_without_gps(_with_exif_header(body))) is not None:
            body, changed = exif[len(EXIF_HEADER):], True
        elif fourcc == b"XMP " and _xmp_has_location(body):
            changed = True
            continue
        chunks.append((fourcc, body))
    if not changed:
        return None
    has_xmp = any(fourcc == b"XMP " for fourcc, _ in chunks)
    payload = b"".join(_webp_chunk(fourcc, body, has_xmp) for fourcc, body in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def _with_exif_header(body: bytes) -> bytes:
    # WebP writers disagree on whether the EXIF chunk repeats JPEG's "Exif\0\0"; Pillow's loader wants it.
    return body if body.startswith(EXIF_HEADER) else EXIF_HEADER + body


def _webp_chunk(fourcc: bytes, body: bytes, has_xmp: bool) -> bytes:
    if fourcc == b"VP8X" and not has_xmp:
        body = bytes([body[0] & ~WEBP_XMP_FLAG & 0xFF]) + body[1:]
    return struct.pack("<4sI", fourcc, len(body)) + body + b"\x00" * (len(body) & 1)
