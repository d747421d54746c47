"""Reads for the award pages and the Open Badges 2.0 documents, each a fixed number of queries."""

from django.db.models import Count, Q, QuerySet

from badges.models import Award, BadgeClass
from centres.models import Centre, Membership, Role
from portfolios.models import Evidence


def badge_classes_of_centre(*, centre: Centre) -> QuerySet[BadgeClass]:
    return (BadgeClass.objects.filter(centre=centre)
            .annotate(awarded=Count("awards", filter=Q(awards__revoked_at__isnull=True)))
            .order_by("kind", "name"))


def awards_of_badge_class(*, badge_class: BadgeClass) -> QuerySet[Award]:
    return badge_class.awards.select_related("recipient").order_by("-issued_on", "-pk")


def awards_of_learner(*, user) -> QuerySet[Award]:
    return Award.objects.filter(recipient=user).select_related("badge_class__centre").order_by("-issued_on", "-pk")


def revoked_awards_of_centre(*, centre: Centre) -> list[Award]:
    return list(Award.objects.filter(badge_class__centre=centre, revoked_at__isnull=False)
                .order_by("revoked_at", "pk"))


def shareable_evidence(*, user) -> QuerySet[Evidence]:
    """What a learner may make public on a badge: their own accepted evidence."""
    return (Evidence.objects.filter(enrolment__learner=user, status=Evidence.Status.ACCEPTED)
            .select_related("enrolment__version").order_by("-submitted_at", "-pk"))


def learners_of_centre(*, centre: Centre, assessor=None) -> QuerySet[Membership]:
    """Current learners of a centre, or of one assessor's caseload there."""
    learners = (Membership.objects.current().filter(centre=centre, role=Role.LEARNER).select_related("user")
                .order_by("user__first_name", "user__last_name", "user__email"))
    return learners.filter(assessor=assessor) if assessor is not None else learners
