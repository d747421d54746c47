from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import STAFF_ROLES, Centre, Invitation, Role


def platform_centres() -> QuerySet[Centre]:
    """Every centre with its people: learners and staff are distinct people with a current role of that kind
    (a person with two staff roles counts once); pending admin invitations are unused and unexpired."""
    now = timezone.now()
    current = (Q(memberships__ended_at__isnull=True)
               & (Q(memberships__expires_at__isnull=True) | Q(memberships__expires_at__gt=now)))
    pending = (Invitation.objects.filter(centre=OuterRef("pk"), role=Role.CENTRE_ADMIN, accepted_at__isnull=True,
                                         revoked_at__isnull=True, expires_at__gt=now)
               .order_by().values("centre").annotate(n=Count("pk")).values("n"))
    return Centre.objects.annotate(
        learner_count=Count("memberships__user", distinct=True, filter=current & Q(memberships__role=Role.LEARNER)),
        staff_count=Count("memberships__user", distinct=True,
                          filter=current & Q(memberships__role__in=STAFF_ROLES)),
        admin_count=Count("memberships__user", distinct=True,
                          filter=current & Q(memberships__role=Role.CENTRE_ADMIN)),
        pending_admin_invitations=Coalesce(Subquery(pending), 0),
    ).order_by("name", "pk")


def admin_invitations(*, centre: Centre) -> QuerySet[Invitation]:
    return (Invitation.objects.filter(centre=centre, role=Role.CENTRE_ADMIN).select_related("accepted_by")
            .order_by("-created_at")[:20])
