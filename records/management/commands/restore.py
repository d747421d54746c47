from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into this deployment's EMPTY database and storage: "
            "every hash is checked first, anything non-empty is refused, and verify_audit runs at the end "
            "(re-checking the audit chains, their checkpoints and the sealed files of signed-off units).")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup directory (holding manifest.json)")
        parser.add_argument("--skip-files", action="store_true",
                            help="restore the database only and keep the storages as they are (e.g. a bucket "
                                 "that survived); verify_audit still re-hashes the sealed files in them")

    def handle(self, *args, backup: Path, skip_files: bool = False, **options):
        try:
            done = restore(backup=backup, skip_files=skip_files, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for line in done.verify_output:
            self.stdout.write(f"verify_audit: {line}")
        files = "files skipped" if skip_files else f"{done.files} files ({done.bytes} bytes)"
        self.stdout.write(f"Restored {done.tables} tables ({done.rows} rows) and {files} in {done.seconds:.1f} s; "
                          "verify_audit passed.")
