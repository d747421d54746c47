"""Keep the cached unread-message counts true: whatever decides who reads which message drops them all."""

from django.db.models.signals import post_delete, post_save

from assessment.models import Review
from moderation.models import Sample
from portfolios.models import Enrolment

from .models import ConversationRead, Message
from .selectors import forget_unread_messages

WATCHED = (Message, ConversationRead, Enrolment, Review, Sample)


def _changed(sender, **kwargs) -> None:
    forget_unread_messages()


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"unread-messages-saved-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"unread-messages-deleted-{model._meta.label}")
