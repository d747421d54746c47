"""What a grant lets its external moderator see. Every EQA read goes through `grant_enrolments`."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from moderation.models import EqaGrant, PlanItem
from portfolios.models import Enrolment


def grant_enrolments(grant: EqaGrant) -> QuerySet[Enrolment]:
    """Every enrolment in the grant's scope, whatever its status (withdrawn and completed learners included):
    the scope's own, plus the learners added to it."""
    enrolments = Enrolment.objects.filter(centre_id=grant.centre_id)
    added = Q(learner__in=grant.learners.all())
    match grant.scope:
        case EqaGrant.Scope.CENTRE:
            return enrolments
        case EqaGrant.Scope.QUALIFICATION:
            return enrolments.filter(Q(version__qualification_id=grant.qualification_id) | added)
        case EqaGrant.Scope.COHORT:
            cohort = Q(start_date__year=grant.cohort_month.year, start_date__month=grant.cohort_month.month)
            if grant.qualification_id:
                cohort &= Q(version__qualification_id=grant.qualification_id)
            return enrolments.filter(cohort | added)
        case EqaGrant.Scope.IQA_PLAN:
            planned = PlanItem.objects.filter(plan_id=grant.plan_id, removed_at__isnull=True).values("enrolment_id")
            return enrolments.filter(Q(pk__in=planned) | added)
        case _:
            return enrolments.filter(added)


def active_grants_for(user) -> dict[int, EqaGrant]:
    """The grant in effect for `user` in each centre, by centre id. One query. Grants of one person at one
    centre never overlap (the services refuse it), so there is at most one per centre."""
    grants = {}
    for grant in EqaGrant.objects.active(timezone.now()).filter(moderator=user).select_related("centre"):
        grants.setdefault(grant.centre_id, grant)
    return grants


def next_visit(*, centre) -> EqaGrant | None:
    """The soonest EQA visit from today on, of a grant not revoked (for the centre admin's home): one query."""
    return (EqaGrant.objects.filter(centre=centre, revoked_at__isnull=True, visit_on__gte=timezone.localdate())
            .order_by("visit_on", "pk").first())
