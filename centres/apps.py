from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = "Centres and roles"

    def ready(self):
        from . import receivers  # noqa: F401
