from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "community.conversations"
    label = "conversations"
    verbose_name = "Messages"
