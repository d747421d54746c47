"""Trusted devices: a browser that has signed in to an account before is not locked out by other people's
wrong passwords for that account.

On each full sign-in (password and, for staff, the second factor) the browser gets a signed, long-lived,
HttpOnly cookie naming the account. A later sign-in to that account from a browser carrying it counts its
failures apart from everyone else's, so five wrong passwords from an attacker lock out only browsers that have
never signed in to the account. The per-IP limits apply to everyone.
"""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

COOKIE = "leap_device"
SALT = "leap.accounts.trusted-device"
MAX_AGE = 365 * 24 * 3600


def trusted_device_remember(response: HttpResponseBase, user) -> None:
    value = signing.dumps({"u": user.pk}, salt=SALT, compress=True)
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


def trusted_device_user_id(request: HttpRequest) -> int | None:
    """The account this browser has signed in to before, from a cookie nobody else could have made."""
    try:
        return signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT, max_age=MAX_AGE)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
