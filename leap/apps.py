from django.apps import AppConfig


class LeapConfig(AppConfig):
    """The project itself, as an app: it sits above every domain app (demo data, benchmarks)."""

    name = "leap"
    verbose_name = "LEAP"

    def ready(self) -> None:
        from . import navigation  # noqa: F401 - registers what the layout reads with every page
