from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_verify_all


class Command(BaseCommand):
    help = "Recompute every audit hash chain and name the first broken event of each broken chain."

    def handle(self, *args, **options):
        chains, breaks = audit_verify_all()
        for problem in breaks:
            self.stderr.write(f"BROKEN {problem}")
        if breaks:
            raise CommandError(f"{len(breaks)} of {chains} audit chains are broken.")
        self.stdout.write(f"OK: {chains} audit chains verified.")
