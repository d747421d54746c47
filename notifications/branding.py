"""Which centre an email speaks for, so that it carries that centre's name, colour and logo.

Centres live in a higher layer, which fills in the two functions below when it starts
(`centres.apps.CentresConfig.ready`) and tells this module, per request, the centre the person is acting in
(`centres.middleware.CurrentCentreMiddleware`). The centre of a notification is, in order: the one the caller
names (`notify(centre=...)`), the centre of the request that sends it, or the recipient's only centre (for
reminders and digests sent by the worker). Without one the email carries LEAP's own header.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# centre -> {"name", "colour", "text_colour", "logo_url" (absolute or None), "language"}
brand_of: Callable[[object], dict] | None = None
# user -> their only current centre, or None
only_centre_of: Callable[[object], object | None] | None = None

_request_centre: ContextVar[Callable[[], object | None] | None] = ContextVar("leap_request_centre", default=None)


@contextmanager
def acting_in(centre_of_request: Callable[[], object | None]) -> Iterator[None]:
    """While handling a request: `centre_of_request()` gives the centre the person acts in (asked only if an
    email is sent)."""
    token = _request_centre.set(centre_of_request)
    try:
        yield
    finally:
        _request_centre.reset(token)


def email_brand(*, centre=None, user=None) -> dict | None:
    """The brand an email is sent under, as stored with the notification (the worker renders it later)."""
    if brand_of is None:
        return None
    if centre is None and (request_centre := _request_centre.get()) is not None:
        centre = request_centre()
    if centre is None and user is not None and only_centre_of is not None:
        centre = only_centre_of(user)
    return brand_of(centre) if centre is not None else None
