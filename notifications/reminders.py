"""Reminders sent at most once per period, however often (or however many times) the beat runs them."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Notification, ReminderSent
from .services import notify


def day_key(now: datetime.datetime) -> str:
    """The period of a daily reminder: the local date, e.g. "2026-11-23"."""
    return timezone.localdate(now).isoformat()


def week_key(now: datetime.datetime) -> str:
    """The period of a weekly reminder: the ISO week of the local date, e.g. "2026-W48"."""
    year, week, _ = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


def reminder_last_sent_at(*, kind: str, object_key: str) -> datetime.datetime | None:
    return (ReminderSent.objects.filter(kind=kind, object_key=object_key)
            .order_by("-created_at").values_list("created_at", flat=True).first())


def reminder_was_sent(*, kind: str, object_key: str, period_key: str) -> bool:
    return ReminderSent.objects.filter(kind=kind, object_key=object_key, period_key=period_key).exists()


def notify_once(
    *,
    recipient,
    kind: str,
    object_key: str,
    period_key: str,
    context: dict[str, Any],
    url: str = "",
    essential: bool = True,
    now: datetime.datetime | None = None,
    centre=None,
) -> Notification | None:
    """Notify unless this reminder was already sent for this period; None when it was.

    The ReminderSent row is claimed in the same transaction as the notification, so a run that fails
    claims nothing, and two concurrent runs cannot both send: the unique constraint makes the second
    `get_or_create` wait for the first and then find its row.
    """
    with transaction.atomic():
        _, created = ReminderSent.objects.get_or_create(
            kind=kind, object_key=object_key, period_key=period_key,
            defaults={"recipient": recipient, "created_at": now or timezone.now()})
        if not created:
            return None
        return notify(recipient=recipient, kind=kind, context=context, url=url, essential=essential, centre=centre)
