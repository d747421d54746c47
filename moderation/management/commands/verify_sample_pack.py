"""Check a sample pack against its manifest: `python manage.py verify_sample_pack FILE.zip`. Names each file that
differs, is missing or was added; exits 1 unless every file matches."""

from django.core.management.base import BaseCommand, CommandError

from moderation.external.packs.builder import file_digest, verify_pack


class Command(BaseCommand):
    help = "Re-hash every file of a sample pack against its manifest.json; exit status 1 if any does not match."

    def add_arguments(self, parser):
        parser.add_argument("pack", help="the sample pack's ZIP file")

    def handle(self, *args, pack: str, **options):
        found = verify_pack(pack)
        if found.problem:
            raise CommandError(f"{pack}: {found.problem}")
        listed = (("differs", found.differ), ("missing", found.missing), ("not in the manifest", found.extra))
        for kind, names in listed:
            for name in names:
                self.stdout.write(f"{kind}: {name}")
        if not found.ok:
            problems = sum(len(names) for _kind, names in listed)
            raise CommandError(f"{pack}: {problems} file{' does' if problems == 1 else 's do'} not match the manifest")
        with open(pack, "rb") as handle:
            _size, digest = file_digest(handle)
        self.stdout.write(f"{pack}: all {found.checked} files match the manifest\n"
                          f"SHA-256 of the ZIP {digest} (compare it with the pack's page in LEAP)")
