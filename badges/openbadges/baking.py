"""Baking: the award carried inside its badge image, as a PNG iTXt chunk (Open Badges baking specification).

OB 2.0 images carry the hosted assertion under the keyword "openbadges"; OB 3.0 images carry the signed
credential under "openbadgecredential". The chunk is written by hand just before IEND, so the image data
itself is kept byte for byte and baking the same award twice gives the same file.
"""

import json
import zlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from badges.awards.announce import award_announce
from badges.models import Award
from badges.openbadges import ob2, ob3
from portfolios.evidence.files.png import PNG_SIGNATURE, PngChunk, PngError, png_checked_chunks, png_chunk

TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
BakingError = PngError


def _keyword_of(chunk: PngChunk) -> str | None:
    return chunk.data.split(b"\x00", 1)[0].decode("latin-1") if chunk.kind in TEXT_CHUNKS else None


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """The PNG with `text` in an uncompressed iTXt chunk under `keyword`, replacing any earlier one."""
    chunks = [chunk for chunk in png_checked_chunks(png) if _keyword_of(chunk) != keyword]
    # iTXt: keyword, NUL, compression flag and method (0, 0), empty language tag and translated keyword.
    itxt = b"\x00".join([keyword.encode("latin-1"), b"\x00\x00", b"", text.encode("utf-8")])
    body = b"".join(chunk.raw for chunk in chunks[:-1])
    return PNG_SIGNATURE + body + png_chunk(b"iTXt", itxt) + png_chunk(b"IEND", b"")


def unbake_png(png: bytes, keyword: str) -> str | None:
    """The text baked under `keyword` (iTXt, compressed or not, or tEXt), or None."""
    for chunk in png_checked_chunks(png):
        if _keyword_of(chunk) != keyword:
            continue
        kind, rest = chunk.kind, chunk.data.split(b"\x00", 1)[1]
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
