"""The bell's number: a person's unread notifications, kept in the shared cache until one of theirs changes."""

from collections.abc import Iterable

from accounts.request_cache import forget_shared, read_through

from .models import Notification


def _generation(user_id: int) -> str:
    return f"notifications:{user_id}"


def unread_count(user) -> int:
    """One cache round trip while nothing of the person's notifications has changed, else one query."""
    return read_through("unread_notifications", user.pk,
                        lambda: Notification.objects.filter(user=user).unread().count(),
                        shared=[_generation(user.pk)])


def forget_unread(user_ids: Iterable[int | None]) -> None:
    """The unread counts of these people are stale (a notification of theirs was made, read or deleted)."""
    for user_id in set(user_ids):
        if user_id is not None:
            forget_shared(_generation(user_id))
