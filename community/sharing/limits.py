"""Posting rate limits: per user, per action, a short window and a daily window, counted in the cache.

The cache is the shared one (Redis in production, with the database as fallback: leap/cache.py), so every
web process and worker counts against the same totals, as sign-in's rate limits do.
"""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from centres.services import ServiceError

# action -> ((window seconds, allowed), ...): at most 10 a minute and 100 a day of each.
LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "comment": ((60, 10), (86400, 100)),
    "post": ((60, 10), (86400, 100)),
    "message": ((60, 10), (86400, 100)),
    "report": ((60, 10), (86400, 100)),
}
DEFAULT_LIMITS = ((60, 10), (86400, 100))


class RateLimited(ServiceError):
    """Too many of one action in a window; the message says when to try again."""


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def check_rate(*, user, action: str) -> None:
    """Count one `action` by `user`; raise RateLimited (a ServiceError) when over a limit. Call before acting."""
    for window, allowed in LIMITS.get(action, DEFAULT_LIMITS):
        # Fixed windows, numbered from the epoch (a day: the UTC day): the key says which one, so the count never
        # depends on the cache server's expiry clock, and the entry expires when its window is over.
        bucket = int(time.time() // window)
        if _count(f"community:rate:{action}:{user.pk}:{window}:{bucket}", window) > allowed:
            if window <= 60:
                raise RateLimited(_("You are posting very quickly. Please wait a minute and try again."))
            raise RateLimited(_("You have reached today's limit for this. Please try again tomorrow."))
