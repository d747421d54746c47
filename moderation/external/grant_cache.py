"""An external moderator's grants, read on each of their requests, from the shared cache (accounts.request_cache).

The cache holds the person's grants that are neither revoked nor over; which of them is in effect (started, not yet
ended) is decided on each request, so a grant's end takes effect by itself. Any save or deletion of a grant drops
its moderator's cached grants at once, in every process.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.request_cache import forget_person, from_state, model_state, read_through
from centres.access import CENTRES_GENERATION
from centres.models import Centre
from moderation.models import EqaGrant

GRANTS_CACHE = "eqa-grants"


def cached_active_grants_for(user) -> dict[int, EqaGrant]:
    """The grant in effect for `user` in each centre, by centre id (as `selectors.active_grants_for`)."""
    rows = read_through(GRANTS_CACHE, user.pk, lambda: _grant_rows(user.pk), shared=(CENTRES_GENERATION,))
    now = timezone.now()
    grants: dict[int, EqaGrant] = {}
    for grant_row, centre_row in rows:
        grant = from_state(EqaGrant, grant_row)
        if grant.is_active(now) and grant.centre_id not in grants:
            grant.centre = from_state(Centre, centre_row)
            grants[grant.centre_id] = grant
    return grants


def _grant_rows(user_id: int) -> list[tuple]:
    grants = (EqaGrant.objects.filter(moderator_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now())
              .select_related("centre"))
    return [(model_state(grant), model_state(grant.centre)) for grant in grants]


@receiver([post_save, post_delete], sender=EqaGrant, dispatch_uid="moderation.forget_cached_grants")
def forget_cached_grants(sender, instance: EqaGrant, **kwargs) -> None:
    forget_person(instance.moderator_id)
