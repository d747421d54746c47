from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the receivers)
