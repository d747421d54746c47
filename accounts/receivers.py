from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from audit.services import audit_record


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(action="account.signed_in", actor=user, target=user, data=_client(request))


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    with transaction.atomic():
        audit_record(action="account.sign_in_failed", data={"email": email, **_client(request)})
