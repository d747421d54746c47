from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from centres.models import Centre
from records.exports.builder import write_portfolio_export


class Command(BaseCommand):
    help = ("Write a learner's whole portfolio (files, badges, certificates, data.json, leap2a.xml, offline pages and "
            "a manifest) as a ZIP. An operator's act: the export is not recorded as a learner's request.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="the learner's email address")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE.zip")
        parser.add_argument("--centre", metavar="SLUG", help="only this centre's enrolments (default: every centre)")

    def handle(self, *args, email: str, out: Path, centre: str | None, **options):
        learner = User.objects.filter(email__iexact=email.strip()).first()
        if learner is None:
            raise CommandError(f"no user with the email address {email}")
        found = None
        if centre:
            found = Centre.objects.filter(slug=centre).first()
            if found is None:
                raise CommandError(f"no centre {centre!r}")
        try:
            with out.open("wb") as handle:
                summary = write_portfolio_export(learner=learner, out=handle, centre=found, purpose="staff")
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error}") from None
        self.stdout.write(f"Wrote {out}: {summary.file_count} files, {summary.size:,} bytes, "
                          f"SHA-256 {summary.sha256}.")
