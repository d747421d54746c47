"""Small evidence files built in code, so no binaries are committed: real images from Pillow, real WAV from
the wave module, and for the other media just the container headers a content sniffer looks at."""

import io
import random
import struct
import wave
import zipfile

from PIL import ExifTags, Image

TAKEN_AT = "2024:05:17 10:30:00"
ORIENTATION_ROTATE_90 = 6  # stored sideways: viewers turn it 90° clockwise


def image(fmt: str, size: tuple[int, int] = (64, 48), exif: Image.Exif | None = None, noise: bool = False,
          mode: str = "RGB") -> bytes:
    if noise:  # random pixels give JPEG real scan data to cut in half
        rng = random.Random(1)
        picture = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    else:
        picture = Image.new(mode, size, "teal" if mode != "RGBA" else (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def camera_exif(with_gps: bool = True, offset: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = ORIENTATION_ROTATE_90
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = TAKEN_AT
    if offset:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = offset
    if with_gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update({
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
            ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
        })
    return exif


def jpeg_with_xmp(jpeg: bytes, xmp: bytes) -> bytes:
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def bomb_png(side: int = 20_000) -> bytes:
    """side x side pixels (400 megapixels by default) that compress to a few KB: only the header may be read."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def heic() -> bytes:
    return box(b"ftyp", b"heic" + b"\x00" * 4 + b"mif1heic") + box(b"meta", b"\x00" * 24)


def box(box_type: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + box_type + body


def mp4(major: bytes = b"isom", compatible: bytes = b"isomiso2avc1mp41", handlers: tuple[bytes, ...] = (b"vide",),
        mdat: bytes = b"\x00" * 64) -> bytes:
    tracks = b"".join(box(b"trak", box(b"mdia", box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 13)))
                      for handler in handlers)
    moov = box(b"moov", box(b"mvhd", b"\x00" * 100) + tracks) if handlers else b""
    return box(b"ftyp", major + b"\x00\x00\x02\x00" + compatible) + moov + box(b"mdat", mdat)


def ebml(element_id: bytes, body: bytes) -> bytes:
    return element_id + (0x01 << 56 | len(body)).to_bytes(8, "big") + body  # 8-byte size, as muxers often write


def webm(codecs: tuple[bytes, ...] = (b"V_VP8", b"A_OPUS"), doctype: bytes = b"webm") -> bytes:
    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x86", b"\x01") + ebml(b"\x42\x82", doctype))
    entries = b"".join(
        ebml(b"\xae", b"\xd7\x81" + bytes([n + 1]) + b"\x83\x81" + (b"\x01" if c.startswith(b"V_") else b"\x02")
             + b"\x86" + bytes([0x80 | len(c)]) + c)
        for n, c in enumerate(codecs)
    )
    cluster = ebml(b"\x1f\x43\xb6\x75", b"\xe7\x81\x00" + b"\xa3" + bytes(40))
    return header + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + ebml(b"\x16\x54\xae\x6b", entries) + cluster


def ogg(codec_header: bytes = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00") -> bytes:
    page_header = b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 8 + b"\x01"
    return page_header + bytes([len(codec_header)]) + codec_header


def mp3() -> bytes:
    frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00\x03Note\x00"
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame  # syncsafe size; small enough for one byte
    return tag + b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def office(folder: str, main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml"
           ".document.main+xml", extra: dict[str, bytes] | None = None) -> bytes:
    parts = {
        "[Content_Types].xml": (f'<?xml version="1.0"?><Types><Override PartName="/{folder}/main.xml" '
                                f'ContentType="{main_type}"/></Types>').encode(),
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        f"{folder}/main.xml": b'<?xml version="1.0"?><document/>',
        **(extra or {}),
    }
    return zip_of(parts)


def opendocument(kind: str = "text", extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}")  # first, stored
        for name, data in {"content.xml": b"<office:document-content/>", **(extra or {})}.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()
