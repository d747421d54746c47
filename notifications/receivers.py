"""Keep the bell's cached count true: any notification saved or deleted drops its person's count."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Notification
from .selectors import forget_unread


@receiver(post_save, sender=Notification, dispatch_uid="notification-saved-unread")
@receiver(post_delete, sender=Notification, dispatch_uid="notification-deleted-unread")
def _notification_changed(sender, instance: Notification, **kwargs) -> None:
    forget_unread([instance.user_id])
