"""Django's AuthenticationMiddleware, with the signed-in person read from the shared cache.

Only the plain case is served from the cache: the session names a user and a backend LEAP uses, the cached row
says the account may sign in (`is_active`), and the session's hash equals the one worked out from the password
the row had. Anything else (a changed password, a rotated secret key, an inactive account, no such user) goes
through Django's own `get_user`, which refuses, flushes the session or re-keys it exactly as it always does. The
cached row leaves out the password hash itself: a rebuilt user loads it from the database if a page asks for it.
Every save or deletion of a user makes their cached row stale at once (accounts.receivers).
"""

from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .request_cache import fetch_person, from_state, model_state, read_through

CACHE_NAME = "user"


def _cached_row(user_id) -> tuple | None:
    """(row without the password, session hash) of the user, or None if there is no such user."""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    return model_state(user, leave_out=("password",)), user.get_session_auth_hash()


def cached_user(request):
    """The signed-in user from the cache when nothing about the session needs Django's checks, else Django's."""
    session = request.session
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError):
        return auth.get_user(request)
    session_hash = session.get(HASH_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return auth.get_user(request)
    request.person_cache = fetch_person(user_id, CACHE_NAME)  # with what the higher layers read on every request
    entry = read_through(CACHE_NAME, user_id, lambda: _cached_row(user_id), fetched=request.person_cache)
    if entry is None:
        return auth.get_user(request)
    state, auth_hash = entry
    if not constant_time_compare(session_hash, auth_hash):
        return auth.get_user(request)
    user = from_state(get_user_model(), state)
    if not load_backend(backend_path).user_can_authenticate(user):
        return auth.get_user(request)
    return user


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = cached_user(request)
    return request._cached_user


async def _auser(request):
    if not hasattr(request, "_acached_user"):
        request._acached_user = await sync_to_async(_get_user)(request)
    return request._acached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)  # its checks; then the lazy user is replaced by the cached one
        request.user = SimpleLazyObject(lambda: _get_user(request))
        request.auser = partial(_auser, request)
