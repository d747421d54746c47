from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = "Centres and roles"

    def ready(self):
        from notifications import branding as email_branding

        from . import receivers  # noqa: F401
        from .branding import email_brand, only_centre_of

        email_branding.brand_of = email_brand
        email_branding.only_centre_of = only_centre_of
