from django.apps import AppConfig


class WitnessConfig(AppConfig):
    name = "community.witness"
    label = "witness"
    verbose_name = "Witness statements"
