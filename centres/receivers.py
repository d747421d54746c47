from allauth.mfa.signals import authenticator_removed
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.request_cache import forget_people, forget_shared

from .access import CENTRES_GENERATION
from .middleware import MFA_SESSION_KEY
from .models import Centre, Membership

# What a learner's cached membership shows of their assessor (the home page names them, with their address).
ASSESSOR_FIELDS_SHOWN = frozenset({"first_name", "last_name", "email"})


@receiver(authenticator_removed)
def forget_second_factor(sender, request, user, authenticator, **kwargs):
    request.session.pop(MFA_SESSION_KEY, None)


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="centres.forget_cached_membership")
def forget_cached_membership(sender, instance: Membership, **kwargs) -> None:
    forget_people([instance.user_id, instance.assessor_id])  # an assessor's home counts their learners


@receiver([post_save, post_delete], sender=Centre, dispatch_uid="centres.forget_cached_centres")
def forget_cached_centres(sender, instance: Centre, **kwargs) -> None:
    forget_shared(CENTRES_GENERATION)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="centres.forget_assessor_of_learners")
def forget_assessor_of_learners(sender, instance, update_fields=None, created=False, **kwargs) -> None:
    """Learners' cached memberships carry their assessor: a change of the assessor's name or address drops them."""
    if created or (update_fields is not None and not ASSESSOR_FIELDS_SHOWN.intersection(update_fields)):
        return
    forget_people(Membership.objects.filter(assessor_id=instance.pk).values_list("user_id", flat=True))
