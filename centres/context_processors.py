from accounts.request_cache import page_cache
from notifications.selectors import unread_count

from .branding import centre_brand


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "leap": request.leap,
        # A callable: the count is queried only on pages that show the bell.
        "unread_notification_count": lambda: unread_count(user, fetched=page_cache(request)),
        # The current centre's name, colour, text colour on it and logo URL (or None), for the header: worked
        # out from the centre the request has loaded anyway, no query of its own.
        "centre_brand": lambda: centre_brand(request.leap.centre),
    }
