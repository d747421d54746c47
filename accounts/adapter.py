import time
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string

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

    # --- Sign-in emails (templates/account/email/, templates/mfa/email/) ---------------------------------
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Without django.contrib.sites allauth names the site after the Host header ("Hello from 127.0.0.1:8000!")
        # and builds links from it. LEAP's emails carry its name and link to SITE_URL, as every other email does.
        context = {key: _on_site(value) if key.endswith("_url") and isinstance(value, str) else value
                   for key, value in context.items()}
        super().send_mail(template_prefix, email, {**context, **email_site_context()})

    def render_mail(self, template_prefix: str, email, context: dict, headers=None):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).splitlines()).strip()
        return super().render_mail(template_prefix, email, {**context, "subject": self.format_email_subject(subject)},
                                   headers=headers)

    def send_notification_mail(self, template_prefix: str, user, context: dict | None = None,
                               email: str | None = None) -> None:
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        super().send_password_reset_mail(user, email, {**context, "reset_days": days})


def email_site_context() -> dict:
    """What sign-in emails say about the site: its name (LEAP_SITE_NAME), its address (SITE_URL), how long an
    email confirmation link works."""
    return {
        "site_name": settings.LEAP_SITE_NAME,
        "site_url": settings.SITE_URL,
        "current_site": SimpleNamespace(name=settings.LEAP_SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc),
        "confirmation_days": app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
    }


def _on_site(url: str) -> str:
    """The same page under SITE_URL: a link in an email never points where a request's Host header said."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return settings.SITE_URL + path if path.startswith("/") else url
