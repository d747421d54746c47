"""Reads for assessment plans: the versions of an enrolment's plan, their items, and who is to sign."""

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from portfolios.models import AssessmentPlan, Enrolment, PlanItem
from qualifications.models import AssessmentCriterion, Unit

ASSESSOR = "assessor"
LEARNER = "learner"
SIGNABLE = (AssessmentPlan.Status.DRAFT, AssessmentPlan.Status.AWAITING)


def plan_latest(*, enrolment: Enrolment) -> AssessmentPlan | None:
    """The current plan: the newest version, whatever its status."""
    return enrolment.plans.order_by("-number").first()


def plan_in_force(*, enrolment: Enrolment) -> AssessmentPlan | None:
    """The newest agreed version: what assessor and learner are held to while a newer one is being agreed."""
    return enrolment.plans.filter(status=AssessmentPlan.Status.AGREED).order_by("-number").first()


def plan_versions(*, enrolment: Enrolment) -> QuerySet[AssessmentPlan]:
    return enrolment.plans.annotate(item_count=Count("items")).order_by("-number")


def plan_items(*, plan: AssessmentPlan) -> list[PlanItem]:
    """The plan's items, each with `coverage`: [(unit, [its criteria in this item])], in three queries."""
    criteria = AssessmentCriterion.objects.order_by("unit__position", "position", "pk")
    items = list(plan.items.prefetch_related("units", Prefetch("criteria", queryset=criteria)))
    for item in items:
        item.coverage = [(unit, [c for c in item.criteria.all() if c.unit_id == unit.pk])
                         for unit in item.units.all()]
    return items


def enrolment_units(*, enrolment: Enrolment) -> list[Unit]:
    """The enrolment's chosen units, each with its criteria prefetched, in specification order."""
    return list(Unit.objects.filter(enrolment_units__enrolment=enrolment)
                .prefetch_related(Prefetch("criteria", queryset=AssessmentCriterion.objects.order_by("position", "pk")))
                .order_by("position", "pk"))


def plan_party(*, plan: AssessmentPlan, user) -> str | None:
    """Which party to the plan `user` is: "assessor", "learner", or None (they do not sign it)."""
    enrolment = plan.enrolment
    if user.pk == enrolment.assessor_id:
        return ASSESSOR
    if user.pk == enrolment.learner_id:
        return LEARNER
    return None


def plan_awaits_signature_from(*, plan: AssessmentPlan, user) -> bool:
    party = plan_party(plan=plan, user=user)
    if party is None or plan.status not in SIGNABLE or getattr(plan, f"{party}_signed_at") is not None:
        return False
    return party == ASSESSOR or plan.assessor_signed_at is not None


def plans_to_sign(*, centre, assessor) -> QuerySet[AssessmentPlan]:
    """Plan versions waiting for `assessor`'s signature (the assessor signs first, then the learner): drafts with at
    least one item, of their learners' enrolments that are active or on a break, oldest first. One query."""
    return (AssessmentPlan.objects
            .filter(enrolment__centre=centre, enrolment__assessor=assessor, status=AssessmentPlan.Status.DRAFT,
                    assessor_signed_at__isnull=True,
                    enrolment__status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK])
            .filter(Exists(PlanItem.objects.filter(plan=OuterRef("pk"))))
            .select_related("enrolment__learner", "enrolment__version__qualification")
            .annotate(item_count=Count("items"))
            .order_by("created_at", "pk"))
