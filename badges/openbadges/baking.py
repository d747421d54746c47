"""Baking: the award carried inside its badge image, as a PNG iTXt chunk (Open Badges baking specification).

OB 2.0 images carry the hosted assertion under the keyword "openbadges"; OB 3.0 images carry the signed
credential under "openbadgecredential". The chunk is written by hand just before IEND, so the image data
itself is kept byte for byte and baking the same award twice gives the same file.
"""

import json
import struct
import zlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from badges.models import Award
from badges.openbadges import ob2, ob3

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"


class BakingError(ValueError):
    pass


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG, checked as far as baking needs: signature, lengths, CRCs, IEND."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(png):
        if pos + 8 > len(png):
            raise BakingError("truncated PNG chunk header")
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        crc = png[pos + 8 + length:pos + 12 + length]
        if len(data) != length or len(crc) != 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + data):
            raise BakingError(f"damaged PNG chunk {kind!r}")
        chunks.append((kind, data))
        pos += 12 + length
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BakingError("a PNG must start with IHDR and end with IEND")
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _keyword_of(kind: bytes, data: bytes) -> str | None:
    return data.split(b"\x00", 1)[0].decode("latin-1") if kind in TEXT_CHUNKS else None


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """The PNG with `text` in an uncompressed iTXt chunk under `keyword`, replacing any earlier one."""
    chunks = [(k, d) for k, d in _chunks(png) if _keyword_of(k, d) != keyword]
    # iTXt: keyword, NUL, compression flag and method (0, 0), empty language tag and translated keyword.
    itxt = b"\x00".join([keyword.encode("latin-1"), b"\x00\x00", b"", text.encode("utf-8")])
    body = b"".join(_chunk(k, d) for k, d in chunks[:-1])
    return PNG_SIGNATURE + body + _chunk(b"iTXt", itxt) + _chunk(b"IEND", b"")


def unbake_png(png: bytes, keyword: str) -> str | None:
    """The text baked under `keyword` (iTXt, compressed or not, or tEXt), or None."""
    for kind, data in _chunks(png):
        if _keyword_of(kind, data) != keyword:
            continue
        rest = data.split(b"\x00", 1)[1]
        if kind == b"tEXt":
            return rest.decode("latin-1")
        if kind == b"zTXt":
            return zlib.decompress(rest[1:]).decode("latin-1")
        compressed, _method, rest = rest[0], rest[1], rest[2:]
        _language, _translated, text = rest.split(b"\x00", 2)
        return (zlib.decompress(text) if compressed else text).decode("utf-8")
    return None


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def award_bake(*, award_id: int) -> Award | None:
    """Bake an award's OB 2.0 and OB 3.0 images. Safe to run again: what is baked is kept.

    OB 2.0 is committed first, so a failure while signing the OB 3.0 credential (which propagates, for the
    task to retry) never holds back the OB 2.0 image. Revoked awards are not baked.
    """
    was_baked = Award.objects.filter(pk=award_id).exclude(baked_ob2="").exists()
    award = _bake_one(award_id, "baked_ob2", lambda award: (OB2_KEYWORD, ob2.assertion(award)))
    if award is not None and not award.revoked_at:
        if not was_baked and award.baked_ob2:
            from badges.awards.services import award_announce

            with transaction.atomic():
                award_announce(award=award)  # once: the first time the badge is baked
        award = _bake_one(award_id, "baked_ob3", lambda award: (OB3_KEYWORD, ob3.signed_credential(award)))
    return award


def _bake_one(award_id: int, field: str, content) -> Award | None:
    with transaction.atomic():
        award = (Award.objects.select_for_update().select_related("badge_class__centre", "recipient")
                 .filter(pk=award_id).first())
        if award is None or award.revoked_at or getattr(award, field):
            return award
        keyword, data = content(award)
        if not data:
            return award
        with award.badge_class.image.open("rb") as f:
            image = f.read()
        name = f"{slugify(award.badge_class.name)[:60] or 'badge'}-{award.uuid.hex[:12]}-{field[-3:]}.png"
        getattr(award, field).save(name, ContentFile(bake_png(image, keyword, _json(data))), save=False)
        award.baked_at = timezone.now()
        fields = [field, "baked_at"]
        if field == "baked_ob3":
            award.credential_ob3 = data
            fields.append("credential_ob3")
        award.save(update_fields=fields)
    return award
