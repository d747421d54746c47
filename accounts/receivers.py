from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit.services import audit_record

from .request_cache import forget_person


def _client(request) -> dict:
    if request is None:
        return {}
    # The client's address, behind a load balancer too (ALLAUTH_TRUSTED_PROXY_COUNT), not the balancer's.
    return {"ip": get_client_ip(request) or "", "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(action="account.signed_in", actor=user, target=user, data=_client(request))


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    with transaction.atomic():
        audit_record(action="account.sign_in_failed", data={"email": email, **_client(request)})


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.forget_cached_person")
def forget_cached_person(sender, instance, **kwargs):
    """A changed password, address, name or active flag takes effect on the person's very next request."""
    forget_person(instance.pk)
