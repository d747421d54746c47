"""Progress reads: My Progress for a learner, the caseload for assessors and centre admins.

Each read runs a fixed number of queries, however many learners, units or criteria there are.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion
from qualifications.models import AssessmentCriterion, LearningOutcome


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    subquery = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def with_progress_counts(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate `criteria_total` and `criteria_met` over the enrolment's chosen units."""
    return enrolments.annotate(
        criteria_total=_count(
            AssessmentCriterion.objects.filter(unit__enrolment_units__enrolment=OuterRef("pk")),
            "unit__enrolment_units__enrolment"),
        criteria_met=_count(
            AchievedCriterion.objects.filter(enrolment=OuterRef("pk"),
                                             unit__enrolment_units__enrolment=OuterRef("pk")),
            "enrolment"),
    )


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class Schedule:
    days_left: int
    elapsed_percent: int
    behind: bool

    @property
    def days_over(self) -> int:
        """Days since the planned end date (0 until it has passed)."""
        return max(-self.days_left, 0)


def schedule(enrolment: Enrolment, progress_percent: int, today: datetime.date | None = None) -> Schedule:
    """Days left to the planned end, and whether progress lags the share of the time already used."""
    today = today or timezone.localdate()
    span = (enrolment.planned_end_date - enrolment.start_date).days or 1
    elapsed = min(max((today - enrolment.start_date).days, 0), span)
    elapsed_percent = round(100 * elapsed / span)
    behind = (enrolment.status == Enrolment.Status.ACTIVE
              and elapsed_percent - progress_percent > settings.LEAP_BEHIND_SCHEDULE_MARGIN)
    return Schedule((enrolment.planned_end_date - today).days, elapsed_percent, behind)


# --- My Progress ---------------------------------------------------------------------------------------

@dataclass
class CriterionState:
    criterion: AssessmentCriterion
    met: bool
    achieved_at: datetime.datetime | None


@dataclass
class OutcomeProgress:
    outcome: LearningOutcome
    criteria: list[CriterionState]


class UnitState:
    """Where a unit stands for its learner; the names are those of the `{% status %}` kinds."""

    NOT_STARTED, IN_PROGRESS, WAITING, LOCKED, REOPENED = "not_started", "in_progress", "waiting", "locked", "reopened"


@dataclass
class UnitProgress:
    enrolment_unit: EnrolmentUnit
    outcomes: list[OutcomeProgress]
    total: int
    met: int
    # Evidence of the enrolment claiming the unit's criteria: any at all (drafts too), and any waiting for review.
    has_evidence: bool = False
    waiting_for_review: bool = False
    badge: Any = None  # the current award for this unit, when a higher layer (badges) fills it in

    @property
    def unit(self):
        return self.enrolment_unit.unit

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)

    @property
    def signed_off(self) -> bool:
        return self.enrolment_unit.locked_at is not None

    @property
    def reopened(self) -> bool:
        """Signed off once, then unlocked by a moderator or centre admin: it is assessed again."""
        return self.enrolment_unit.reopened_at is not None

    @property
    def state(self) -> str:
        """Signed off and locked; else reopened; else waiting for review (evidence submitted, not yet decided);
        else in progress (evidence started or a criterion met); else not started."""
        if self.signed_off:
            return UnitState.LOCKED
        if self.reopened:
            return UnitState.REOPENED
        if self.waiting_for_review:
            return UnitState.WAITING
        if self.has_evidence or self.met:
            return UnitState.IN_PROGRESS
        return UnitState.NOT_STARTED


@dataclass
class EnrolmentProgress:
    enrolment: Enrolment
    units: list[UnitProgress] = field(default_factory=list)
    # Filled in by a higher layer (badges): the current qualification badge and certificate, if issued.
    badge: Any = None
    certificate: Any = None

    @property
    def completed(self) -> bool:
        return self.enrolment.status == Enrolment.Status.COMPLETED

    @property
    def total(self) -> int:
        return sum(u.total for u in self.units)

    @property
    def met(self) -> int:
        return sum(u.met for u in self.units)

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)

    @property
    def schedule(self) -> Schedule:
        return schedule(self.enrolment, self.percent)


def _evidence_by_unit(enrolments: list[Enrolment]) -> dict[tuple[int, int], set[str]]:
    """(enrolment, unit) -> the statuses of the evidence claiming that unit's criteria: one query."""
    claims = (EvidenceCriterion.objects.filter(evidence__enrolment__in=enrolments).order_by()
              .values_list("evidence__enrolment_id", "unit_id", "evidence__status").distinct())
    statuses: dict[tuple[int, int], set[str]] = {}
    for enrolment_id, unit_id, status in claims:
        statuses.setdefault((enrolment_id, unit_id), set()).add(status)
    return statuses


def enrolment_progress(enrolments: QuerySet[Enrolment]) -> list[EnrolmentProgress]:
    """Full progress (units, outcomes, each criterion's state, each unit's state) of the given enrolments: six
    queries."""
    enrolments = list(enrolments.select_related("version__qualification", "assessor").prefetch_related(
        Prefetch("enrolment_units", queryset=EnrolmentUnit.objects.select_related("unit").prefetch_related(
            Prefetch("unit__outcomes", queryset=LearningOutcome.objects.order_by("position").prefetch_related(
                Prefetch("criteria", queryset=AssessmentCriterion.objects.order_by("position")))),
        ).order_by("unit__position"))))
    achieved = {
        (a.enrolment_id, a.criterion_id): a.achieved_at
        for a in AchievedCriterion.objects.filter(enrolment__in=enrolments).only(
            "enrolment_id", "criterion_id", "achieved_at")
    }
    evidence_statuses = _evidence_by_unit(enrolments)
    result = []
    for enrolment in enrolments:
        progress = EnrolmentProgress(enrolment)
        for eu in enrolment.enrolment_units.all():
            outcomes = [
                OutcomeProgress(outcome, [
                    CriterionState(c, (enrolment.pk, c.pk) in achieved, achieved.get((enrolment.pk, c.pk)))
                    for c in outcome.criteria.all()])
                for outcome in eu.unit.outcomes.all()
            ]
            states = [c for o in outcomes for c in o.criteria]
            evidence = evidence_statuses.get((enrolment.pk, eu.unit_id), set())
            progress.units.append(UnitProgress(eu, outcomes, len(states), sum(c.met for c in states),
                                               has_evidence=bool(evidence),
                                               waiting_for_review=Evidence.Status.SUBMITTED in evidence))
        result.append(progress)
    return result


def my_progress(*, learner, centre) -> list[EnrolmentProgress]:
    return enrolment_progress(Enrolment.objects.filter(learner=learner, centre=centre)
                              .exclude(status=Enrolment.Status.WITHDRAWN).order_by("-created_at"))


# --- Caseload --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseloadRow:
    enrolment: Enrolment
    percent: int
    schedule: Schedule

    @property
    def learner(self):
        return self.enrolment.learner


CASELOAD_SORTS = {
    "learner": lambda r: (r.learner.last_name.lower(), r.learner.first_name.lower()),
    "progress": lambda r: (r.percent, r.learner.last_name.lower()),
    "days_left": lambda r: (r.schedule.days_left, r.learner.last_name.lower()),
    "last_activity": lambda r: (r.enrolment.last_activity_at, r.learner.last_name.lower()),
}


@dataclass(frozen=True)
class CaseloadFilter:
    qualification: int | None = None
    status: str = ""
    behind_only: bool = False
    assessor: int | None = None
    search: str = ""
    sort: str = "learner"
    descending: bool = False


def caseload(*, enrolments: QuerySet[Enrolment], filters: CaseloadFilter) -> list[CaseloadRow]:
    """Rows for every enrolment given (already limited to what the viewer may see): one query."""
    enrolments = enrolments.select_related("learner", "assessor", "version__qualification")
    if filters.qualification:
        enrolments = enrolments.filter(version__qualification_id=filters.qualification)
    if filters.status:
        enrolments = enrolments.filter(status=filters.status)
    else:
        enrolments = enrolments.filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK])
    if filters.assessor:
        enrolments = enrolments.filter(assessor_id=filters.assessor)
    if filters.search:
        enrolments = enrolments.filter(Q(learner__first_name__icontains=filters.search)
                                       | Q(learner__last_name__icontains=filters.search)
                                       | Q(learner__email__icontains=filters.search))
    today = timezone.localdate()
    rows = []
    for e in with_progress_counts(enrolments):
        share = percent(e.criteria_met, e.criteria_total)
        rows.append(CaseloadRow(e, share, schedule(e, share, today)))
    if filters.behind_only:
        rows = [r for r in rows if r.schedule.behind]
    rows.sort(key=CASELOAD_SORTS.get(filters.sort, CASELOAD_SORTS["learner"]), reverse=filters.descending)
    return rows


def learners_not_enrolled(*, centre, assessor=None) -> QuerySet:
    """Learner memberships with no enrolment at all at this centre (of any status): they belong on the caseload
    too. A learner whose enrolments are all completed or withdrawn has been enrolled, so is not listed."""
    from centres.models import Membership

    learners = Membership.objects.current().learners().filter(centre=centre).select_related("user")
    if assessor is not None:
        learners = learners.filter(assessor=assessor)
    enrolled = Enrolment.objects.filter(centre=centre)
    return learners.exclude(user__in=enrolled.values("learner")).order_by("user__last_name", "user__first_name")


def assessor_counts(*, centre, assessor) -> dict[str, int]:
    """The home's numbers for an assessor, one formula each: `learners` are the current learner memberships
    assigned to them; `active`, `on_break` and `completed` count their enrolments at the centre by status."""
    from centres.models import Membership

    by_status = Enrolment.objects.filter(centre=centre, assessor=assessor).aggregate(
        active=Count("pk", filter=Q(status=Enrolment.Status.ACTIVE)),
        on_break=Count("pk", filter=Q(status=Enrolment.Status.ON_BREAK)),
        completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)))
    learners = Membership.objects.current().learners().filter(centre=centre, assessor=assessor).count()
    return {"learners": learners, **by_status}
