import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import User

from .branding import email_brand
from .delivery import SECRET, render_email
from .models import Notification
from .selectors import forget_unread
from .tasks import send_notification_email

logger = logging.getLogger(__name__)






def wants_email(user, *, essential: bool = True, digestible: bool = False) -> bool:
    """Whether this person wants this email, by their preferences. An address without an account always does.

    Non-essential emails (reminders, updates) can be turned off; essential ones (sign-in, invitations,
    decisions about one's work) cannot. A digestible email is left out for whoever reads the daily digest.
    """
    if user is None:
        return True
    if not essential and not user.email_non_essential:
        return False
    return not (digestible and user.email_daily_digest)


def notify(
    *,
    recipient,
    kind: str,
    context: dict[str, Any],
    url: str = "",
    email: bool = True,
    attachments: list[dict[str, str]] | None = None,
    essential: bool = True,
    digestible: bool = False,
    centre=None,
) -> Notification:
    """Tell one person (a user, or an email address with no account yet) of an event.

    The in-app notification is stored now; the email is sent by a Celery task once the caller's
    transaction commits, unless the person's preferences (see `wants_email`) leave it out.
    `context` must be JSON-serialisable: the email is rendered by the worker. The email carries the brand
    of `centre`, or else of the centre the request acts in, or else of the recipient's only centre
    (`branding.email_brand`); an address without an account gets it in that centre's main language.
    """
    user = None if isinstance(recipient, str) else recipient
    email = email and wants_email(user, essential=essential, digestible=digestible)
    brand = email_brand(centre=centre, user=user)
    data = {**context, "_attachments": attachments} if attachments else context
    if not email:  # a secret is only ever for the email (notifications.delivery.SECRET)
        data = {key: value for key, value in data.items() if key != SECRET}
    notification = Notification(
        user=user,
        email_to=recipient if user is None else user.email,
        language=getattr(user, "language", None) or (brand or {}).get("language") or settings.LANGUAGE_CODE,
        kind=kind,
        url=url,
        data={**data, "_brand": brand} if brand else data,
        send_email=email,
    )
    notification.subject = render_email("subject.txt", notification).strip()
    notification.save()
    if email:
        transaction.on_commit(lambda: _queue_email(notification.pk))
    return notification


def _queue_email(notification_id: int) -> None:
    """Queue the email; if the broker is unreachable the saved row is the outbox and the sweep sends it later."""
    try:
        send_notification_email.delay(notification_id)
    except OperationalError:
        logger.warning("Could not queue the email of notification %s; the outbox sweep will send it.",
                       notification_id, exc_info=True)


def notification_mark_read(*, notification: Notification, actor: User) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionError("Only the recipient can mark a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    marked = Notification.objects.filter(user=actor).unread().update(read_at=timezone.now())
    forget_unread([actor.pk])  # an update sends no signal
    return marked
