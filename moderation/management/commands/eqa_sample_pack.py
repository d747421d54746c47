"""Build a grant's sample pack here and now, with the same builder as the worker:
`python manage.py eqa_sample_pack <grant-id|latest> --out FILE.zip`."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from moderation.external.packs.builder import file_digest, pack_write
from moderation.models import EqaGrant


class Command(BaseCommand):
    help = "Build the sample pack of an EQA grant (its id, or 'latest' for the newest grant) into a ZIP file."

    def add_arguments(self, parser):
        parser.add_argument("grant", help="the grant's id, or 'latest'")
        parser.add_argument("--out", required=True, type=Path, help="the ZIP file to write")

    def handle(self, *args, grant: str, out: Path, **options):
        found = self._grant(grant)
        start = time.perf_counter()
        with open(out, "wb+") as handle:
            built = pack_write(grant=found, out=handle, built_by=None)
            size, digest = file_digest(handle)
        seconds = time.perf_counter() - start
        with transaction.atomic():
            audit_record(action="eqa.pack_exported", centre=found.centre, target=found, data={
                "grant": found.pk, "size": size, "sha256": digest, "files": built.file_count,
                "checkpoint_seq": built.manifest["checkpoint"]["head_seq"]})
        self.stdout.write(f"{out}\n{size} bytes, {built.file_count} files ({built.learners} learner enrolments), "
                          f"{seconds:.1f} s\nSHA-256 {digest}")

    @staticmethod
    def _grant(wanted: str) -> EqaGrant:
        grants = EqaGrant.objects.select_related("centre")
        found = (grants.order_by("-created_at", "-pk").first() if wanted == "latest"
                 else grants.filter(pk=int(wanted)).first() if wanted.isdigit() else None)
        if found is None:
            raise CommandError(f"no EQA grant {wanted!r}")
        return found
