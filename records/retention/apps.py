from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "records.retention"
    label = "retention"
    verbose_name = "Retention and destruction"
