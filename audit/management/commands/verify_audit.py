from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from audit.checkpoints import audit_verify_checkpoints
from audit.models import AuditEvent
from audit.services import audit_verify_all


class Command(BaseCommand):
    help = ("Recompute every audit hash chain and name the first broken event of each broken chain; check every "
            "chain against its signed checkpoints (kept outside the database) and name the first one contradicted; "
            "then run the verifiers of settings.LEAP_AUDIT_VERIFIERS (e.g. re-checking the seals of signed-off "
            "units against the live rows and the stored files).")

    def handle(self, *args, **options):
        chains, breaks = audit_verify_all()
        for problem in breaks:
            self.stderr.write(f"BROKEN {problem}")
        contradictions = audit_verify_checkpoints()
        for problem in contradictions:
            self.stderr.write(f"BROKEN {problem}")
        if not contradictions.summary and AuditEvent.objects.exists():
            self.stderr.write("WARNING no audit checkpoints yet: without them a recomputed or truncated chain "
                              "cannot be detected (run manage.py audit_checkpoint; Celery beat does it hourly).")
        # Higher apps plug their own checks in by dotted path: the audit app imports none of them.
        problems, summaries = [], [contradictions.summary] if contradictions.summary else []
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
        if contradictions:
            failures.append(f"{len(contradictions)} checkpoint problems")
        if problems:
            failures.append(f"{len(problems)} problem{'' if len(problems) == 1 else 's'} found by the verifiers")
        if failures:
            raise CommandError("; ".join(failures) + ".")
        self.stdout.write("; ".join([f"OK: {chains} audit chains verified", *summaries]) + ".")
