from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "community.conversations"
    label = "conversations"
    verbose_name = "Messages"

    def ready(self) -> None:
        from assessment.reminders import DIGEST_EXTRAS

        from .digest import messages_for_digest
        from .receivers import connect

        connect()

        if messages_for_digest not in DIGEST_EXTRAS:
            DIGEST_EXTRAS.append(messages_for_digest)
