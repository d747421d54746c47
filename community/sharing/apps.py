from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "community.sharing"
    label = "sharing"
    verbose_name = "Sharing and peer comments"
