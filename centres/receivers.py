from allauth.mfa.signals import authenticator_removed
from django.dispatch import receiver

from .middleware import MFA_SESSION_KEY


@receiver(authenticator_removed)
def forget_second_factor(sender, request, user, authenticator, **kwargs):
    request.session.pop(MFA_SESSION_KEY, None)
