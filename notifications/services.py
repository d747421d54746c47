from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .models import Notification


def _absolute(url: str) -> str:
    return url if not url or url.startswith("http") else f"{settings.SITE_URL}{url}"


def _render(template: str, notification: Notification) -> str:
    context = {
        **notification.data,
        "site_url": settings.SITE_URL,
        "url": _absolute(notification.url),
        "subject": notification.subject,
    }
    with translation.override(notification.language):
        if template.endswith(".txt"):
            # Plain text is not HTML: "O'Brien" must not arrive as "O&#x27;Brien".
            return get_template(f"emails/{notification.kind}-{template}").template.render(
                Context(context, autoescape=False))
        return render_to_string(f"emails/{notification.kind}-{template}", context)


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
) -> Notification:
    """Tell one person (a user, or an email address with no account yet) of an event.

    The in-app notification is stored now; the email is sent by a Celery task once the caller's
    transaction commits, unless the person's preferences (see `wants_email`) leave it out.
    `context` must be JSON-serialisable: the email is rendered by the worker.
    """
    from .tasks import send_notification_email

    user = None if isinstance(recipient, str) else recipient
    email = email and wants_email(user, essential=essential, digestible=digestible)
    notification = Notification(
        user=user,
        email_to=recipient if user is None else user.email,
        language=getattr(user, "language", settings.LANGUAGE_CODE),
        kind=kind,
        url=url,
        data={**context, "_attachments": attachments} if attachments else context,
        send_email=email,
    )
    notification.subject = _render("subject.txt", notification).strip()
    notification.save()
    if email:
        transaction.on_commit(lambda: send_notification_email.delay(notification.pk))
    return notification


def notification_send_email(*, notification_id: int) -> bool:
    """Send a notification's email once. Safe to run again: an email already sent is not sent twice.

    The row stays locked while the message is handed to the mail server, so two workers running the
    same task cannot both send it. A mail server error propagates (and rolls back) so the task retries.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.email_sent_at or not notification.send_email:
            return False
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=_render("body.txt", notification),
            to=[notification.email_to],
            headers={"X-LEAP-Notification": str(notification.pk), "Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(_render("body.html", notification), "text/html")
        _attach_stored_files(message, notification.data.get("_attachments") or [])
        message.send()
        notification.email_sent_at = timezone.now()
        notification.save(update_fields=["email_sent_at"])
    return True


def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionError("Only the recipient can mark a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(user=actor).unread().update(read_at=timezone.now())


def _attach_stored_files(message: EmailMultiAlternatives, attachments: list[dict[str, str]]) -> None:
    """Attach files from storage ({"storage_name", "filename", "mimetype"}); one that is gone is left out."""
    from django.core.files.storage import default_storage

    for item in attachments:
        try:
            with default_storage.open(item["storage_name"], "rb") as handle:
                message.attach(item["filename"], handle.read(), item["mimetype"])
        except FileNotFoundError:
            continue
