from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "records.transfers"
    label = "transfers"
    verbose_name = "Transfers and recognised prior learning"

    def ready(self) -> None:
        from assessment.seals import EXTRA_SECTIONS

        from . import receivers  # noqa: F401 (connects the receivers)
        from .services import sealed_prior_learning

        EXTRA_SECTIONS["prior_learning"] = sealed_prior_learning

