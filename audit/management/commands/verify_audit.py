from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from audit.services import audit_verify_all


class Command(BaseCommand):
    help = ("Recompute every audit hash chain and name the first broken event of each broken chain; then run the "
            "verifiers of settings.LEAP_AUDIT_VERIFIERS (e.g. re-hashing the files of signed-off units).")

    def handle(self, *args, **options):
        chains, breaks = audit_verify_all()
        for problem in breaks:
            self.stderr.write(f"BROKEN {problem}")
        # Higher apps plug their own checks in by dotted path: the audit app imports none of them.
        problems, summaries = [], []
        for path in getattr(settings, "LEAP_AUDIT_VERIFIERS", []):
            found = import_string(path)()
            problems.extend(found)
            if getattr(found, "summary", ""):
                summaries.append(found.summary)
        for problem in problems:
            self.stderr.write(f"BROKEN {problem}")
        failures = []
        if breaks:
            failures.append(f"{len(breaks)} of {chains} audit chains are broken")
        if problems:
            failures.append(f"{len(problems)} problems found by the verifiers")
        if failures:
            raise CommandError("; ".join(failures) + ".")
        self.stdout.write("; ".join([f"OK: {chains} audit chains verified", *summaries]) + ".")
