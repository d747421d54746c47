import time

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal import ratelimit
from django.contrib.auth import get_user_model

from .devices import trusted_device_remember, trusted_device_user_id


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Sign-up is open, but its form asks for a centre's enrolment code: nobody joins without one.
        return True

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Someone who signed in a moment ago (staff being sent to set up TOTP, say) is not asked for
        # their password again; after the timeout, sensitive changes ask as usual.
        request = context.request
        records = get_authentication_records(request, request.user) if request is not None else []
        if records and time.time() - records[-1]["at"] < app_settings.REAUTHENTICATION_TIMEOUT:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def pre_authenticate(self, request, **credentials) -> None:
        # A browser that has signed in to this account before counts its failures against the account apart
        # from everyone else's: an attacker's wrong passwords do not lock the owner out (accounts/devices.py).
        # The per-IP limits in the same rate are shared as usual.
        user_id = self._trusted_device_for(request, credentials)
        if user_id is None:
            return super().pre_authenticate(request, **credentials)
        key = f"{self._get_login_attempts_cache_key(request, **credentials)}:device:{user_id}"
        self._login_failed_rl_usage = ratelimit.consume(request, app="allauth.account", action="login_failed",
                                                        key=key)
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    @staticmethod
    def _trusted_device_for(request, credentials) -> int | None:
        user_id, login = trusted_device_user_id(request), str(credentials.get("email") or "")
        if user_id and login and get_user_model().objects.filter(pk=user_id, email__iexact=login).exists():
            return user_id
        return None

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        trusted_device_remember(response, user)
        return response
