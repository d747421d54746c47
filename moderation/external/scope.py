"""What of the IQA's records an external moderator reads under their grant. Read-only: the middleware refuses
their writes, the pages hide the controls.

Each function takes the queryset a moderation page would show and returns it as the person may read it: unchanged
for the centre's own staff, narrowed to the grant's scope for someone reading as an external moderator
(`LeapContext.reads_under_grant`), so every list stays one query (the scope is a subquery). The enrolments of
the grant (`selectors.grant_enrolments`) decide everything else:

- strategies and plans: of the qualifications in scope (a whole-centre grant: all of them); an IQA-plan grant,
  that plan and its strategy;
- plan items and samples: of enrolments in scope;
- observations: of assessors who assess an enrolment in scope, or of a learner in scope;
- standardisation meetings: the centre's, those of one qualification only when it is in scope;
- co-marking exercises: once closed, of evidence of an enrolment in scope.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from centres.models import Role
from moderation.models import CoMarkingExercise, EqaGrant, SamplingPlan

from .selectors import grant_enrolments


def eqa_grant(request: HttpRequest) -> EqaGrant | None:
    """The grant the person reads moderation records under; None for anyone reading as the centre's staff."""
    leap = request.leap
    return leap.grant if leap.reads_under_grant else None


def _qualifications(grant: EqaGrant) -> QuerySet:
    return grant_enrolments(grant).values("version__qualification_id")


def strategies(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None or grant.scope == EqaGrant.Scope.CENTRE:
        return queryset
    if grant.scope == EqaGrant.Scope.IQA_PLAN:
        return queryset.filter(plans=grant.plan_id)
    return queryset.filter(qualification_id__in=_qualifications(grant))


def plans(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None or grant.scope == EqaGrant.Scope.CENTRE:
        return queryset
    if grant.scope == EqaGrant.Scope.IQA_PLAN:
        return queryset.filter(pk=grant.plan_id)
    return queryset.filter(strategy__qualification_id__in=_qualifications(grant))


def of_enrolments(request: HttpRequest, queryset: QuerySet, path: str = "enrolment") -> QuerySet:
    """Plan items, samples (anything with an enrolment at `path`) of enrolments in scope."""
    grant = eqa_grant(request)
    return queryset if grant is None else queryset.filter(**{f"{path}__in": grant_enrolments(grant)})


def plan_items(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None:
        return queryset
    return of_enrolments(request, queryset.filter(plan__in=plans(request, SamplingPlan.objects.filter(
        centre_id=grant.centre_id))))


def observations(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None:
        return queryset
    scope = grant_enrolments(grant)
    visible = Q(assessor_id__in=scope.values("assessor_id")) | Q(learner_id__in=scope.values("learner_id"))
    if request.leap.has(Role.ASSESSOR):
        visible |= Q(assessor=request.user)
    return queryset.filter(visible)


def meetings(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None or grant.scope == EqaGrant.Scope.CENTRE:
        return queryset
    return queryset.filter(Q(qualification__isnull=True) | Q(qualification_id__in=_qualifications(grant)))


def exercises(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    grant = eqa_grant(request)
    if grant is None:
        return queryset
    return queryset.filter(status=CoMarkingExercise.Status.CLOSED,
                           evidence__enrolment__in=grant_enrolments(grant))


@dataclass(frozen=True)
class GrantSummary:
    """The external moderator's home under a grant. `learners`: people with at least one enrolment in scope (any
    status); `enrolments`: those enrolments; `units`: their units, one per enrolment and unit."""

    grant: EqaGrant
    learners: int
    enrolments: int
    units: int
    days_left: int


def grant_summary(grant: EqaGrant, today: datetime.date | None = None) -> GrantSummary:
    """The grant with what its scope's words need, three counts in one query, and the whole days left before
    access ends (0 on its last day)."""
    today = today or timezone.localdate()
    grant = (EqaGrant.objects.select_related("centre", "qualification", "plan__strategy__qualification")
             .annotate(learners_count=Count("learners")).get(pk=grant.pk))  # as the scope's words need it
    counts = grant_enrolments(grant).aggregate(
        learners=Count("learner", distinct=True), enrolments=Count("pk", distinct=True),
        units=Count("enrolment_units", distinct=True))
    days_left = max((timezone.localdate(grant.expires_at) - today).days, 0)
    return GrantSummary(grant=grant, days_left=days_left, **counts)
