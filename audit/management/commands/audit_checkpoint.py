from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import audit_checkpoints_write, new_signing_key


class Command(BaseCommand):
    help = ("Sign and store a checkpoint of every audit chain whose head moved since its latest checkpoint "
            "(Celery beat does it hourly). --generate-key prints a new LEAP_AUDIT_CHECKPOINT_KEY instead.")

    def add_arguments(self, parser):
        parser.add_argument("--generate-key", action="store_true",
                            help="print a new Ed25519 signing key and its public key, and store nothing")

    def handle(self, *args, generate_key: bool = False, **options):
        if generate_key:
            return self._generate_key()
        run = audit_checkpoints_write()
        for checkpoint in run.written:
            self.stdout.write(f"chain {checkpoint.chain_key}: {checkpoint}")
        for problem in run.refused:
            self.stderr.write(f"REFUSED {problem}")
        if run.refused:
            raise CommandError(f"{len(run.refused)} chains were not checkpointed: run verify_audit.")
        self.stdout.write(f"{len(run.written)} checkpoints written.")

    def _generate_key(self) -> None:
        private, public = new_signing_key()
        self.stdout.write(f"LEAP_AUDIT_CHECKPOINT_KEY={private}\n"
                          f"# public key (LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS on a host that only verifies): {public}")
