from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.exports.verify import verify_export


class Command(BaseCommand):
    help = ("Check a portfolio export: every file re-hashed against the manifest, data.json against its schema, the "
            "audit events of each signed-off unit re-hashed and linked to a signed checkpoint, and each signed-off "
            "unit's data against its seal. Names every difference; exits non-zero if there is any.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE.zip")

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        check = verify_export(file)
        for note in check.notes:
            self.stdout.write(f"note: {note}")
        if not check.ok:
            for problem in check.problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: problems found: {len(check.problems)}")
        self.stdout.write(f"{file}: OK. Files re-hashed: {check.files}; data.json valid; audit events checked: "
                          f"{check.events}; signed checkpoints checked: {check.checkpoints}; signed-off units "
                          f"matching their seals: {check.sealed_units}.")
