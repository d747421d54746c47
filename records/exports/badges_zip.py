"""The wallet's "download all my badges": one ZIP of every badge of the learner's. Each current (or expired)
award's baked images, Open Badges 2.0 and 3.0 inside (baked now if the worker has not yet), plus `badges.csv`
and `badges.json` listing every award (name, issuer, issued on, expires, status, verification URL, file names).
A revoked award is listed as revoked, without images. Written entry by entry into `out` (a temporary file)."""

import json
import zipfile
from typing import BinaryIO

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from badges.models import Award
from badges.openbadges.baking import award_bake
from badges.public.selectors import REVOKED, award_status, public_url
from centres.csv_files import csv_table
from centres.zip_stream import ZipStreamWriter, storage_chunks

FORMAT = "leap-badges"
COLUMNS = ("name", "issuer", "issued_on", "expires", "status", "verification_url", "ob2_image", "ob3_image")
KINDS = ("ob2", "ob3")


def learner_awards(user: User) -> list[Award]:
    return list(Award.objects.filter(recipient=user).select_related("badge_class__centre")
                .order_by("-issued_on", "-pk"))


def write_badges_zip(*, user: User, out: BinaryIO) -> int:
    """Write the ZIP into `out`; returns the number of awards listed."""
    now = timezone.now()
    rows = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        writer = ZipStreamWriter(zf, now)
        for n, award in enumerate(learner_awards(user), start=1):
            status = award_status(award, now=now)
            images = _write_images(writer, award, n) if status != REVOKED else {}
            rows.append(_row(award, status, images))
        writer.chunks("badges.csv", [csv_table([COLUMNS, *([row[c] or "" for c in COLUMNS] for row in rows)])],
                      compress=True)
        writer.text("badges.json", json.dumps({
            "format": FORMAT, "version": 1, "exported_at": now.isoformat(),
            "learner": {"name": user.display_name}, "badges": rows}, indent=1, ensure_ascii=False))
    return len(rows)


def _write_images(writer: ZipStreamWriter, award: Award, n: int) -> dict[str, str]:
    if not (award.baked_ob2 and award.baked_ob3):
        award = award_bake(award_id=award.pk) or award  # not baked yet (the worker is behind): bake it now
    stem = f"{n:02d}-{slugify(award.badge_class.name)[:60] or 'badge'}"
    images = {}
    for kind in KINDS:
        baked = getattr(award, f"baked_{kind}")
        if baked:
            images[kind] = f"images/{stem}-{kind}.png"
            writer.chunks(images[kind], storage_chunks(baked))
    return images


def _row(award: Award, status: str, images: dict[str, str]) -> dict:
    return {
        "name": award.badge_class.name,
        "issuer": award.badge_class.centre.name,
        "issued_on": award.issued_on.date().isoformat(),
        "expires": award.expires_at.date().isoformat() if award.expires_at else None,
        "status": status,
        "revoked_on": award.revoked_at.date().isoformat() if award.revoked_at else None,
        "verification_url": public_url(award),
        "ob2_image": images.get("ob2"),
        "ob3_image": images.get("ob3"),
    }
