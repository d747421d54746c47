"""Email delivery of notifications: rendered in the reader's language, claimed, sent once, with a stable Message-ID."""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .models import Notification

# A claimed email is not sent again before its lease ends: long enough for any send to finish, so that a
# task redelivered after its worker died does not send it again at once. After the lease the sweep re-queues
# it and it goes again with the same Message-ID (at least once; the receiving server may drop the repeat).
EMAIL_LEASE = timedelta(minutes=10)
# The sweep leaves an email queued at commit this long before deciding it was lost.
EMAIL_SWEEP_AFTER = timedelta(minutes=1)
# An email still unsent after this long (e.g. an address the mail server keeps refusing) is given up.
EMAIL_GIVE_UP_AFTER = timedelta(days=2)
# Context kept only until the email has gone (e.g. a single-use link whose token is stored hashed elsewhere): the
# templates read it as {{ secret.<name> }}, and it is removed from the stored notification once the email is sent.
SECRET = "_secret"


def _absolute(url: str) -> str:
    return url if not url or url.startswith("http") else f"{settings.SITE_URL}{url}"


def render_email(template: str, notification: Notification) -> str:
    context = {
        **notification.data,
        "site_url": settings.SITE_URL,
        "url": _absolute(notification.url),
        "subject": notification.subject,
        "brand": notification.data.get("_brand"),  # the centre's name, colour and logo (notifications.branding)
        "secret": notification.data.get(SECRET) or {},
    }
    with translation.override(notification.language):
        if template.endswith(".txt"):
            # Plain text is not HTML: "O'Brien" must not arrive as "O&#x27;Brien".
            text = get_template(f"emails/{notification.kind}-{template}").template.render(
                Context(context, autoescape=False))
            return _signed(text, context["brand"]) if template == "body.txt" else text
        return render_to_string(f"emails/{notification.kind}-{template}", context)


def _signed(text: str, brand: dict | None) -> str:
    """The plain-text body ends with the centre's name; its colour and logo are for the HTML body only."""
    return f"{text.rstrip()}\n\n-- \n{brand['name']}\n" if brand else text


def notification_send_email(*, notification_id: int) -> bool:
    """Send a notification's email once. Safe to run again: an email sent or being sent is not sent again.

    The email is claimed (a lease, committed) before the mail server is contacted, and the mail server is
    talked to outside any transaction: a worker killed after the server accepted the message leaves the
    claim behind, so the redelivered task does not send it again. A mail server error releases the claim
    and propagates, so the task retries.
    """
    notification = _email_claim(notification_id)
    if notification is None:
        return False
    claimed = Notification.objects.filter(pk=notification.pk, email_sending_at=notification.email_sending_at)
    try:
        _email_message(notification).send()
    except BaseException:
        claimed.update(email_sending_at=None)
        raise
    claimed.update(email_sent_at=timezone.now(), email_sending_at=None)
    if SECRET in notification.data:
        data = {key: value for key, value in notification.data.items() if key != SECRET}
        Notification.objects.filter(pk=notification.pk).update(data=data)
    return True


def _email_claim(notification_id: int) -> Notification | None:
    now = timezone.now()
    with transaction.atomic():
        notification = (Notification.objects.select_for_update(skip_locked=True)
                        .filter(pk=notification_id, send_email=True, email_sent_at__isnull=True).first())
        if notification is None or (notification.email_sending_at and
                                    notification.email_sending_at > now - EMAIL_LEASE):
            return None
        notification.email_sending_at = now
        notification.save(update_fields=["email_sending_at"])
    return notification


def _email_message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_email("body.txt", notification),
        to=[notification.email_to],
        headers={"Message-ID": notification.message_id, "X-LEAP-Notification": str(notification.pk),
                 "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_email("body.html", notification), "text/html")
    _attach_stored_files(message, notification.data.get("_attachments") or [])
    return message


def _attach_stored_files(message: EmailMultiAlternatives, attachments: list[dict[str, str]]) -> None:
    """Attach files from storage ({"storage_name", "filename", "mimetype"}); one that is gone is left out."""
    from django.core.files.storage import default_storage

    for item in attachments:
        try:
            with default_storage.open(item["storage_name"], "rb") as handle:
                message.attach(item["filename"], handle.read(), item["mimetype"])
        except FileNotFoundError:
            continue


def notification_emails_sweep(*, queue: Callable[[int], object], limit: int = 500) -> int:
    """Queue the emails that were saved but not sent (broker down at commit, worker lost); returns how many.

    `queue` is the send task's `delay`. An email is queued again at most once per lease, so a long queue is not
    flooded with repeats.
    """
    now = timezone.now()
    lease_over = now - EMAIL_LEASE
    ids = list(
        Notification.objects.filter(send_email=True, email_sent_at__isnull=True,
                                    created_at__lt=now - EMAIL_SWEEP_AFTER, created_at__gt=now - EMAIL_GIVE_UP_AFTER)
        .filter(Q(email_sending_at__isnull=True) | Q(email_sending_at__lt=lease_over))
        .filter(Q(email_swept_at__isnull=True) | Q(email_swept_at__lt=lease_over))
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    queued = []
    try:
        for notification_id in ids:
            queue(notification_id)
            queued.append(notification_id)
    finally:
        Notification.objects.filter(pk__in=queued).update(email_swept_at=now)
    _forget_secrets_of_given_up(now)
    return len(queued)


def _forget_secrets_of_given_up(now) -> None:
    """An email given up on keeps no secret either."""
    given_up = Notification.objects.filter(send_email=True, email_sent_at__isnull=True,
                                           created_at__lte=now - EMAIL_GIVE_UP_AFTER, data__has_key=SECRET)
    for notification in given_up.only("pk", "data")[:500]:
        data = {key: value for key, value in notification.data.items() if key != SECRET}
        Notification.objects.filter(pk=notification.pk).update(data=data)
