from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "records.transfers"
    label = "transfers"
    verbose_name = "Transfers and recognised prior learning"
