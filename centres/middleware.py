from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from .access import LeapContext

MFA_SESSION_KEY = "leap_mfa_ok"

# What a staff member may reach before setting up their second factor.
MFA_SETUP_URL_NAMES = frozenset({
    "mfa_index", "mfa_activate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes", "mfa_reauthenticate", "account_reauthenticate", "account_logout",
    "account_login", "account_email_verification_sent", "account_confirm_email", "set_language",
    "healthz", "javascript-catalog",
})


class CurrentCentreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.leap = LeapContext(request)
        return self.get_response(request)


def staff_has_second_factor(request) -> bool:
    if request.session.get(MFA_SESSION_KEY) == request.user.pk:
        return True
    if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
        request.session[MFA_SESSION_KEY] = request.user.pk
        return True
    return False


class StaffSecondFactorMiddleware:
    """Staff (assessors, moderators, centre admins, superusers) set up TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.leap.is_staff_anywhere and not self._exempt(request):
            if not staff_has_second_factor(request):
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path_info.startswith("/static/"):
            return True
        try:
            return resolve(request.path_info).url_name in MFA_SETUP_URL_NAMES
        except Resolver404:
            return False
