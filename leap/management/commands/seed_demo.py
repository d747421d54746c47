from django.conf import settings
from django.core.management.base import BaseCommand

from leap.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo centre with one person per role (idempotent) and print the sign-in details."

    def handle(self, *args, **options):
        centre, logins = seed_demo()
        out = self.stdout
        out.write(f"\nDemo centre: {centre.name} — {settings.SITE_URL}/")
        out.write(f"Every demo account's password: {DEMO_PASSWORD}\n")
        out.write(f"{'role':<26} {'email':<32} second factor (TOTP secret)")
        for person, secret in logins:
            out.write(f"{person.role.label:<26} {person.email:<32} {secret or '—'}")
        out.write("\nStaff sign in with a TOTP code: add the secret to an authenticator app, or run "
                  "`make totp` (python manage.py demo_totp) for the current codes.\n")
