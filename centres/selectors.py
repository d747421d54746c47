from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Centre, Invitation, Membership, Role


def centre_overview(*, centre: Centre) -> dict[str, int]:
    counts = Membership.objects.current().filter(centre=centre).aggregate(
        learners=Count("pk", filter=Q(role=Role.LEARNER)),
        assessors=Count("pk", filter=Q(role=Role.ASSESSOR)),
        moderators=Count("pk", filter=Q(role=Role.MODERATOR)),
        external_moderators=Count("pk", filter=Q(role=Role.EXTERNAL_MODERATOR)),
        admins=Count("pk", filter=Q(role=Role.CENTRE_ADMIN)),
    )
    counts["pending_invitations"] = Invitation.objects.filter(
        centre=centre, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    return counts


def assessor_learners(*, centre: Centre, assessor) -> QuerySet[Membership]:
    return (Membership.objects.current().learners().filter(centre=centre, assessor=assessor)
            .select_related("user").order_by("user__last_name", "user__first_name"))


def learner_memberships(*, centre: Centre, assessor=None, search: str = "",
                        among: QuerySet[Membership] | None = None) -> QuerySet[Membership]:
    """The centre's current learners, or `among` (say, an EQA grant's learners, ended memberships included)."""
    learners = Membership.objects.current() if among is None else among
    learners = learners.learners().filter(centre=centre).select_related("user", "assessor")
    if assessor is not None:
        learners = learners.filter(assessor=assessor)
    if search:
        learners = learners.filter(Q(user__first_name__icontains=search) | Q(user__last_name__icontains=search)
                                   | Q(user__email__icontains=search))
    return learners.order_by("user__last_name", "user__first_name", "pk")


def staff_memberships(*, centre: Centre) -> QuerySet[Membership]:
    return (Membership.objects.current().staff().filter(centre=centre).select_related("user")
            .annotate(learner_count=Count("user__assigned_learner_memberships",
                                          filter=Q(user__assigned_learner_memberships__centre=centre,
                                                   user__assigned_learner_memberships__ended_at__isnull=True)))
            .order_by("role", "user__last_name"))


def invitations(*, centre: Centre) -> QuerySet[Invitation]:
    return Invitation.objects.filter(centre=centre).select_related("invited_by")[:50]
