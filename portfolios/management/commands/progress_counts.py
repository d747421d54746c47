from django.core.management.base import BaseCommand, CommandError

from portfolios import progress_counts


class Command(BaseCommand):
    help = ("Compare every enrolment's stored progress counts with its rows and recount those that differ "
            "(after a bulk import that skipped portfolios.progress_counts.refresh). --check only reports.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report the enrolments that differ; change nothing")

    def handle(self, *args, check: bool = False, **options):
        drifted = progress_counts.drifted()
        if not drifted:
            self.stdout.write("Every enrolment's progress counts match its rows.")
            return
        shown = ", ".join(str(pk) for pk in drifted[:20]) + (" …" if len(drifted) > 20 else "")
        if check:
            raise CommandError(f"{len(drifted)} enrolments' progress counts differ from their rows: {shown}")
        progress_counts.refresh(drifted)
        self.stdout.write(f"Recounted {len(drifted)} enrolments: {shown}")
