from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "records.exports"
    label = "exports"
    verbose_name = "Portfolio exports"
