"""What a file is, from its first bytes (and, for MP4 and ZIP, a few seeks), never from its name."""

import codecs
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

from portfolios.evidence.files import formats
from portfolios.evidence.files.formats import Format, Refusal, read_at
from portfolios.evidence.files.png import PNG_SIGNATURE

HEAD_BYTES = 64 * 1024
Found = Format | Refusal

PREFIXES: tuple[tuple[bytes, Found], ...] = (
    (b"\xff\xd8\xff", formats.JPEG),
    (PNG_SIGNATURE, formats.PNG),
    (b"%PDF-", formats.PDF),
    (b"\x7fELF", formats.EXECUTABLE),
    (b"\xfe\xed\xfa\xce", formats.EXECUTABLE),  # Mach-O, both word sizes and byte orders
    (b"\xfe\xed\xfa\xcf", formats.EXECUTABLE),
    (b"\xce\xfa\xed\xfe", formats.EXECUTABLE),
    (b"\xcf\xfa\xed\xfe", formats.EXECUTABLE),
    (b"\xca\xfe\xba\xbe", formats.EXECUTABLE),  # Java class, and universal Mach-O
    (b"Rar!\x1a\x07", formats.ARCHIVE),
    (b"7z\xbc\xaf\x27\x1c", formats.ARCHIVE),
    (b"\x1f\x8b", formats.ARCHIVE),  # gzip
    (b"\xfd7zXZ\x00", formats.ARCHIVE),
    (b"\x28\xb5\x2f\xfd", formats.ARCHIVE),  # zstd
    (b"#!AMR", formats.UNKNOWN),  # old Android voice notes; must not be mistaken for a shebang script
)

HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs"}
HEIF_BRANDS = {b"mif1", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}
M4A_BRANDS = {b"M4A ", b"M4B "}
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9", b"mp41", b"mp42",
              b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV"}
MAX_MOOV_BYTES = 16 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000  # real documents have hundreds; a huge central directory would only cost memory

# Text bytes browsers would treat as markup (the WHATWG sniffing list), checked on the lowercased start.
HTML_START = re.compile(r"<(?:!doctype|!--|(?:html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p)"
                        r"[\s/>])")
CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")


def sniff(f: BinaryIO) -> Found:
    head = read_at(f, 0, HEAD_BYTES)
    if not head:
        return formats.EMPTY
    for sniffer in SNIFFERS:
        if found := sniffer(f, head):
            return found
    return _text(head)


def _by_prefix(f: BinaryIO, head: bytes) -> Found | None:
    return next((found for prefix, found in PREFIXES if head.startswith(prefix)), None)


def _riff(f: BinaryIO, head: bytes) -> Found | None:
    if head[:4] != b"RIFF":
        return None
    return {b"WEBP": formats.WEBP, b"WAVE": formats.WAV}.get(head[8:12], formats.UNKNOWN)


def _iso_bmff(f: BinaryIO, head: bytes) -> Found | None:
    if head[4:8] in (b"moov", b"wide"):  # QuickTime from before the ftyp box existed
        return formats.MOV if _has_video_track(f) else formats.M4A
    if head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    major = brands[0]
    if major in HEIC_BRANDS:
        return formats.HEIC
    if major in HEIF_BRANDS and not AVIF_BRANDS.intersection(brands):
        return formats.HEIF
    if major in M4A_BRANDS:
        return formats.M4A
    if major == b"qt  " or MP4_BRANDS.intersection(brands):
        # Safari's MediaRecorder writes audio-only MP4 under generic brands; only the tracks tell.
        if not _has_video_track(f):
            return formats.M4A
        return formats.MOV if major == b"qt  " else formats.MP4
    return formats.UNKNOWN


def _ebml(f: BinaryIO, head: bytes) -> Found | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    if _ebml_doctype(head) != b"webm":
        return formats.UNKNOWN  # Matroska (.mkv) is not on the list
    # Tracks come before the first Cluster; look there for CodecID elements naming video or audio codecs.
    cluster = head.find(b"\x1f\x43\xb6\x75")
    tracks = head if cluster < 0 else head[:cluster]
    has_video = re.search(rb"\x86[\x81-\xbf]V_", tracks) or not re.search(rb"\x86[\x81-\xbf]A_", tracks)
    return formats.WEBM if has_video else formats.WEBM_AUDIO


def _ogg(f: BinaryIO, head: bytes) -> Found | None:
    if not head.startswith(b"OggS"):
        return None
    first_page = head[:256]
    return formats.OGG if b"OpusHead" in first_page or b"\x01vorbis" in first_page else formats.UNKNOWN


def _mp3(f: BinaryIO, head: bytes) -> Found | None:
    if head.startswith(b"ID3") and len(head) >= 10:
        tag_size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
        footer = 10 if head[5] & 0x10 else 0
        after_tag = read_at(f, 10 + tag_size + footer, 4096).lstrip(b"\x00")
        return formats.MP3 if _is_mp3_frame(after_tag) else None
    return formats.MP3 if _is_mp3_frame(head) else None


def _zip(f: BinaryIO, head: bytes) -> Found | None:
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    try:
        if _zip_entry_count(f) > MAX_ZIP_ENTRIES:
            return formats.ARCHIVE
        with zipfile.ZipFile(f) as zf:
            return _zip_contents(zf)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError, RuntimeError,
            NotImplementedError):  # RuntimeError: encrypted entry; NotImplementedError: unknown compression
        return formats.DAMAGED_DOCUMENT


def _ole(f: BinaryIO, head: bytes) -> Found | None:
    if not head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return None
    # A password-protected .docx/.xlsx/.pptx is an OLE2 file holding an "EncryptedPackage" stream.
    if "EncryptedPackage".encode("utf-16-le") in head:
        return formats.ENCRYPTED_DOCUMENT
    return formats.LEGACY_OFFICE  # .doc/.xls/.ppt, the formats that carry macros unseen


def _windows_exe(f: BinaryIO, head: bytes) -> Found | None:
    # "MZ" alone could begin a text note; real DOS/PE headers always contain NUL bytes.
    return formats.EXECUTABLE if head.startswith(b"MZ") and b"\x00" in head[:64] else None


def _tar_or_bzip2(f: BinaryIO, head: bytes) -> Found | None:
    is_tar = head[257:263] in (b"ustar\x00", b"ustar ") and b"\x00" in head[:257]
    is_bzip2 = head[:3] == b"BZh" and head[4:10] == b"\x31\x41\x59\x26\x53\x59"
    return formats.ARCHIVE if is_tar or is_bzip2 else None


SNIFFERS: tuple[Callable[[BinaryIO, bytes], Found | None], ...] = (
    _by_prefix, _riff, _iso_bmff, _ebml, _ogg, _mp3, _zip, _ole, _windows_exe, _tar_or_bzip2,
)


def _text(head: bytes) -> Found:
    if b"\x00" in head:
        return formats.UNKNOWN
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)  # not final: the head may end mid-character
    except UnicodeDecodeError:
        return formats.NOT_UTF8 if _mostly_printable(head) else formats.UNKNOWN
    if not _mostly_printable(head):
        return formats.UNKNOWN
    return _markup(text.lstrip("\ufeff \t\r\n\f\v").lower()) or formats.TEXT


def _markup(start: str) -> Refusal | None:
    if start.startswith("#!"):
        return formats.SCRIPT
    if start.startswith(("<svg", "<?xml", "<!doctype", "<!--")) and "<svg" in start:
        return formats.SVG
    if start.startswith("<?xml"):
        return formats.XML
    return formats.HTML if HTML_START.match(start) else None


def _mostly_printable(data: bytes) -> bool:
    return sum(map(data.count, CONTROL_BYTES)) * 100 <= len(data)


def _is_mp3_frame(data: bytes) -> bool:
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return False
    version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
    bitrate, sample_rate = data[2] >> 4, (data[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and sample_rate != 3


def _ebml_doctype(head: bytes) -> bytes:
    try:
        size, pos = _vint(head, 4)
        end = pos + size
        while pos < end:
            id_length = 9 - head[pos].bit_length()
            element, pos = head[pos:pos + id_length], pos + id_length
            size, pos = _vint(head, pos)
            if element == b"\x42\x82":
                return head[pos:pos + size].rstrip(b"\x00")
            pos += size
    except (IndexError, ValueError):
        pass
    return b""


def _vint(data: bytes, pos: int) -> tuple[int, int]:
    """An EBML variable-length size: its value and the position after it."""
    length = 9 - data[pos].bit_length()
    if not 1 <= length <= 8:
        raise ValueError("invalid EBML size")
    value = data[pos] & (0xFF >> length)
    for byte in data[pos + 1:pos + length]:
        value = value << 8 | byte
    return value, pos + length


def _has_video_track(f: BinaryIO) -> bool:
    """Whether an MP4/QuickTime file has a video track; True when we cannot tell, so it stays a video."""
    moov = _top_level_box(f, b"moov")
    handlers = [hdlr[8:12] for hdlr in _boxes_at(moov or b"", (b"trak", b"mdia", b"hdlr"))]
    return not handlers or b"vide" in handlers


def _top_level_box(f: BinaryIO, wanted: bytes) -> bytes | None:
    # Seek from box header to box header, so a 500 MB mdat is skipped, not read.
    offset = 0
    for _ in range(64):
        header = read_at(f, offset, 16)
        if len(header) < 8:
            return None
        size, box_type, header_size = int.from_bytes(header[:4], "big"), header[4:8], 8
        if size == 1:
            size, header_size = int.from_bytes(header[8:16], "big"), 16
        if box_type == wanted:
            body_size = (size or MAX_MOOV_BYTES) - header_size
            return read_at(f, offset + header_size, body_size) if body_size <= MAX_MOOV_BYTES else None
        if size < header_size:
            return None
        offset += size
    return None


def _boxes_at(data: bytes, path: tuple[bytes, ...]) -> Iterator[bytes]:
    for box_type, body in _boxes(data):
        if box_type == path[0]:
            yield from (body,) if len(path) == 1 else _boxes_at(body, path[1:])


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 0
    while pos + 8 <= len(data):
        size, box_type, header_size = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8], 8
        if size == 1:
            size, header_size = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        size = size or len(data) - pos
        if size < header_size:
            return
        yield box_type, data[pos + header_size:pos + size]
        pos += size


def _zip_entry_count(f: BinaryIO) -> int:
    # The end-of-central-directory record sits in the last 64 KB; read its count before zipfile builds the list.
    f.seek(0, 2)
    end = f.tell()
    tail = read_at(f, max(0, end - 66_000), 66_000)
    record = tail.rfind(b"PK\x05\x06")
    if record < 0 or record + 12 > len(tail):
        raise zipfile.BadZipFile("no end of central directory")
    count = int.from_bytes(tail[record + 10:record + 12], "little")
    return MAX_ZIP_ENTRIES + 1 if count == 0xFFFF else count  # 0xFFFF: ZIP64, far beyond any document


def _zip_contents(zf: zipfile.ZipFile) -> Found:
    entries = zf.infolist()
    names = [entry.filename for entry in entries]
    if entries and names[0] == "mimetype":
        return _opendocument(zf, names)
    if "[Content_Types].xml" in names:
        return _office(zf, names)
    return formats.ARCHIVE


def _opendocument(zf: zipfile.ZipFile, names: list[str]) -> Found:
    with zf.open("mimetype") as part:
        mimetype = part.read(100).decode("ascii", "replace").strip()
    # StarBasic modules live in Basic/<library>/<module>.xml beside the library index files.
    if any(n.startswith("Basic/") and n.count("/") == 2 and not n.endswith("/script-lb.xml") for n in names):
        return formats.MACROS
    return formats.OPENDOCUMENTS.get(mimetype, formats.UNKNOWN)


def _office(zf: zipfile.ZipFile, names: list[str]) -> Found:
    with zf.open("[Content_Types].xml") as part:
        declared = part.read(1024 * 1024).lower()
    # The VBA part is conventionally vbaProject.bin, but its name is free; its declared type is not.
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"vbaproject" in declared \
            or b"macroenabled" in declared:
        return formats.MACROS
    for prefix, found in (("word/", formats.DOCX), ("xl/", formats.XLSX), ("ppt/", formats.PPTX)):
        if any(n.startswith(prefix) for n in names):
            return found
    return formats.UNKNOWN
