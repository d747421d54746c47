from allauth.account.internal.flows.login import record_authentication
from django.contrib.auth import login
from django.http import HttpRequest


def sign_in_with_new_password(request: HttpRequest, user) -> None:
    """Sign in someone who has just chosen their password (an invitation, a welcome link).

    Recorded as a password authentication, as allauth's own sign-in is, so that allauth does not ask for the
    password again ("Confirm access") before the first sensitive step, such as setting up TOTP.
    """
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record_authentication(request, user, method="password", email=user.email)
