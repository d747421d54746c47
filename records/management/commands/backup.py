from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.backup import BackupError, backup_write


class Command(BaseCommand):
    help = ("Back up this deployment into a new directory: the database (pg_dump custom format, or SQLite's "
            "online backup), then every stored file (disk or S3), and a manifest with their SHA-256 and the "
            "latest audit checkpoint of every chain. Restore with `manage.py restore DIR`.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path,
                            help="directory to write the backup into; must not exist or be empty")

    def handle(self, *args, out: Path, **options):
        try:
            done = backup_write(out=out, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = done.manifest
        self.stdout.write(f"Backup written to {out}: database {manifest['database']['size']} bytes, "
                          f"{len(manifest['files'])} files ({done.bytes} bytes), "
                          f"{len(manifest['audit_checkpoints'])} audit chains checkpointed, "
                          f"in {done.seconds:.1f} s.")
