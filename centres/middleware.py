import re

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from notifications.branding import acting_in

from .access import LeapContext

MFA_SESSION_KEY = "leap_mfa_ok"

# What a staff member may reach before setting up their second factor.
MFA_SETUP_URL_NAMES = frozenset({
    "mfa_index", "mfa_activate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes", "mfa_reauthenticate", "account_reauthenticate", "account_logout",
    "account_login", "account_email_verification_sent", "account_confirm_email", "set_language",
    "healthz", "javascript-catalog", "web_manifest", "centre_brand_css",
})
# Files a browser fetches by itself (icons, manifest, robots): never sent to the setup page, whose every visit
# used to draw a new secret, so that the code for the secret on screen was refused.
BROWSER_FILES = re.compile(
    r"^/(favicon\.ico|apple-touch-icon[\w.-]*\.png|site\.webmanifest|manifest\.json|manifest\.webmanifest|robots\.txt|browserconfig\.xml)$")


class CurrentCentreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.leap = LeapContext(request)
        with acting_in(lambda: request.leap.centre):  # the brand of the emails this request sends
            return self.get_response(request)


def staff_has_second_factor(request) -> bool:
    if request.session.get(MFA_SESSION_KEY) == request.user.pk:
        return True
    if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
        request.session[MFA_SESSION_KEY] = request.user.pk
        return True
    return False


class StaffSecondFactorMiddleware:
    """Staff (assessors, moderators, centre admins, superusers) set up TOTP before anything else.

    A page the browser navigates to is redirected to the setup page; anything else (a form post, a fetch, an
    image) is refused with 403, as a redirect would only hand the setup page to something that cannot show it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.leap.is_staff_anywhere and not self._exempt(request):
            if not staff_has_second_factor(request):
                if _is_page_navigation(request):
                    return redirect("mfa_activate_totp")
                return HttpResponseForbidden(_("Set up two-factor authentication first."), content_type="text/plain")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        path = request.path_info
        if path.startswith((settings.STATIC_URL, settings.MEDIA_URL)) or BROWSER_FILES.match(path):
            return True
        try:
            return resolve(path).url_name in MFA_SETUP_URL_NAMES
        except Resolver404:
            return False


def _is_page_navigation(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination:
        return destination == "document"
    accept = request.headers.get("Accept", "")
    return not accept or "text/html" in accept
