import time

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context


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
