from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand

from leap.demo import DOMAIN, current_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of each demo staff account (demo accounts only)."

    def handle(self, *args, **options):
        authenticators = Authenticator.objects.filter(
            type=Authenticator.Type.TOTP, user__email__endswith=f"@{DOMAIN}"
        ).select_related("user")
        for a in authenticators.order_by("user__email"):
            self.stdout.write(f"{a.user.email:<32} {current_totp_code(decrypt(a.data['secret']))}")
