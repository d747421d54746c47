from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event told to one person: shown in the app (when they have an account) and sent by email."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications")
    email_to = models.EmailField()
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    kind = models.CharField(max_length=64)
    subject = models.CharField(_("subject"), max_length=255)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    send_email = models.BooleanField(default=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The outbox: a worker claims the email (a lease) before handing it to the mail server; the sweep
    # re-queues emails left unsent, at most once per lease.
    email_sending_at = models.DateTimeField(null=True, blank=True)
    email_swept_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["created_at"], name="notification_email_unsent",
                         condition=models.Q(send_email=True, email_sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a receiving server can drop a repeated delivery."""
        domain = urlsplit(settings.SITE_URL).hostname or "leap.localhost"
        return f"<notification-{self.pk}.{int(self.created_at.timestamp() * 1_000_000)}@{domain}>"


class ReminderSent(models.Model):
    """A reminder already sent for one thing in one period: the beat may run often, the reminder goes once.

    `object_key` names what the reminder is about (e.g. "assessor:12"), `period_key` the period it covers
    (an ISO date for daily reminders, an ISO week for weekly ones).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    object_key = models.CharField(max_length=100)
    period_key = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_key", "period_key"],
                                               name="reminder_once_per_period")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} {self.period_key}"
