"""PNG chunks, read and written by hand: for removing a photo's location here, and for baking badges (badges).

A chunk is length, type, data and the CRC of type + data. Rewriting only chunks keeps the image data byte for
byte.
"""

import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngError(ValueError):
    pass


@dataclass(frozen=True)
class PngChunk:
    kind: bytes
    data: bytes
    raw: bytes  # as it stands in the file, length and CRC included

    @property
    def crc_ok(self) -> bool:
        return self.raw[-4:] == struct.pack(">I", zlib.crc32(self.kind + self.data))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunks(png: bytes) -> tuple[list[PngChunk], bytes]:
    """Every whole chunk after the signature, unchecked, and whatever follows the last of them."""
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        end = pos + 12 + length
        if end > len(png):
            break
        chunks.append(PngChunk(kind, png[pos + 8:end - 4], png[pos:end]))
        pos = end
    return chunks, png[pos:]


def png_checked_chunks(png: bytes) -> list[PngChunk]:
    """The chunks of a PNG up to IEND, checked: signature, lengths, CRCs, IHDR first and IEND last."""
    if not png.startswith(PNG_SIGNATURE):
        raise PngError("not a PNG image")
    found, _rest = png_chunks(png)
    chunks = []
    for chunk in found:
        if not chunk.crc_ok:
            raise PngError(f"damaged PNG chunk {chunk.kind!r}")
        chunks.append(chunk)
        if chunk.kind == b"IEND":
            break
    if not chunks or chunks[0].kind != b"IHDR" or chunks[-1].kind != b"IEND":
        raise PngError("a PNG must start with IHDR and end with IEND (is it truncated?)")
    return chunks
