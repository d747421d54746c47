from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges and certificates"

    def ready(self):
        from badges import receivers  # noqa: F401
