from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "community.groups"
    label = "cohort_groups"
    verbose_name = "Cohort groups"
