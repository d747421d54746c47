from django.apps import AppConfig


class GdprConfig(AppConfig):
    name = "records.gdpr"
    label = "gdpr"
    verbose_name = "Data-subject requests"
