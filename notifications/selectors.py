"""The bell's number: a person's unread notifications, kept in the shared cache until one of theirs changes."""

from collections.abc import Iterable

from accounts.request_cache import Fetched, Read, forget_shared, read_through

from .models import Notification


def _generation(user_id: int) -> str:
    return f"notifications:{user_id}"


def unread_count_read(user) -> Read:
    """What `unread_count` reads from the cache (for `accounts.request_cache.prefetch`)."""
    return "unread_notifications", user.pk, (_generation(user.pk),)


def unread_count(user, *, fetched: Fetched | None = None) -> int:
    """One cache round trip while nothing of the person's notifications has changed (none when `fetched` brought
    it), else one query."""
    name, user_id, shared = unread_count_read(user)
    return read_through(name, user_id, lambda: Notification.objects.filter(user=user).unread().count(),
                        shared=shared, fetched=fetched)


def forget_unread(user_ids: Iterable[int | None]) -> None:
    """The unread counts of these people are stale (a notification of theirs was made, read or deleted)."""
    for user_id in set(user_ids):
        if user_id is not None:
            forget_shared(_generation(user_id))
