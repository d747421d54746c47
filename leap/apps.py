from django.apps import AppConfig


class LeapConfig(AppConfig):
    """The project itself, as an app: it sits above every domain app (demo data, benchmarks)."""

    name = "leap"
    verbose_name = "LEAP"
