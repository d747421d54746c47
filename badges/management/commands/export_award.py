import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from badges.models import Award
from badges.openbadges import ob2, ob3
from badges.openbadges.baking import OB2_KEYWORD, OB3_KEYWORD, award_bake, bake_png

FORMATS = ("ob2", "ob3", "ob3-jwt")


def find_award(ref: str) -> Award:
    """``latest`` (the most recently issued award), an award's number, or its UUID."""
    awards = Award.objects.select_related("badge_class__centre", "recipient")
    if ref == "latest":
        award = awards.order_by("-issued_on", "-pk").first()
    elif ref.isdigit():
        award = awards.filter(pk=int(ref)).first()
    else:
        try:
            award = awards.filter(uuid=uuid.UUID(ref)).first()
        except ValueError:
            raise CommandError(f"{ref!r} is not an award id, an award UUID or 'latest'") from None
    if award is None:
        raise CommandError(f"no award {ref}")
    return award


def exported(award: Award, format: str) -> tuple[str, str]:
    """(keyword a baked image would carry it under, text): the hosted OB 2.0 assertion, the signed OB 3.0
    credential, or its VC-JWT."""
    if format == "ob2":
        return OB2_KEYWORD, json.dumps(ob2.assertion(award), ensure_ascii=False, indent=2)
    if format == "ob3":
        return OB3_KEYWORD, json.dumps(ob3.signed_credential(award), ensure_ascii=False, indent=2)
    return OB3_KEYWORD, ob3.signed_jwt(award)


class Command(BaseCommand):
    help = ("Print an award as Open Badges 2.0 (the hosted assertion), Open Badges 3.0 (the signed credential) or "
            "its VC-JWT; with --baked, write the badge image with it baked in instead.")

    def add_arguments(self, parser):
        parser.add_argument("award", help="the award's id (or UUID), or 'latest' for the most recent award")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--baked", metavar="FILE.png", type=Path, help="write the baked PNG to this file")

    def handle(self, *args, award: str, format: str, baked: Path | None, **options):
        found = find_award(award)
        if found.revoked_at:
            if baked:
                raise CommandError(f"award {found.pk} was revoked ({found.revocation_reason}): it is not baked")
            self.stderr.write(f"Note: award {found.pk} was revoked on {found.revoked_at:%Y-%m-%d}: "
                              f"{found.revocation_reason}")
        keyword, text = exported(found, format)
        if baked is None:
            self.stdout.write(text)
            return
        image = self.baked_image(found, format, keyword, text)
        baked.write_bytes(image)
        self.stdout.write(f"Wrote {baked} ({len(image):,} bytes): award {found.pk} as {format}, "
                          f"baked under {keyword!r}.")

    def baked_image(self, award: Award, format: str, keyword: str, text: str) -> bytes:
        """The award's own baked image for ob2 and ob3 (baked now if the worker has not yet, as the learner's
        download does); for ob3-jwt, the badge image with the VC-JWT baked in."""
        if format in ("ob2", "ob3"):
            field = f"baked_{format}"
            if not getattr(award, field):
                award = award_bake(award_id=award.pk)
            with getattr(award, field).open("rb") as f:
                return f.read()
        with award.badge_class.image.open("rb") as f:
            return bake_png(f.read(), keyword, text)
