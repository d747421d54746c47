"""Reads for sampling: the moderator's queue, the assessor's samples, the unit as the assessor saw it, and the
certification gate's holds. List reads take a fixed number of queries, however many rows."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from assessment import selectors as assessment_selectors
from assessment import timeline
from portfolios.models import AssessmentPlan, Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceSubmission

from ..external.reports.models import EqaReport
from ..models import PlanItem, Sample, SampleAction, SampleKind, SamplingStrategy

OPEN = (Sample.Status.STARTED, Sample.Status.AWAITING_SECOND)
DONE = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
QUEUE_STATUSES = ("not_started", "in_progress", "signed", "overdue")


# --- The moderator's queue ------------------------------------------------------------------------------

def item_samples(item: PlanItem | None = None) -> QuerySet[Sample]:
    """The samples of a plan item (or, without one, of the outer query's item): its own, and those of the same
    learner, unit and kind on the plans it replaced in its cycle. Regenerating a plan makes new items; the samples
    stay on the old ones, and still count for the new."""
    if item is None:
        return Sample.objects.filter(enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"),
                                     kind=OuterRef("kind"), plan_item__plan__strategy_id=OuterRef("plan__strategy_id"),
                                     plan_item__plan__cycle_start=OuterRef("plan__cycle_start"))
    return Sample.objects.filter(enrolment_id=item.enrolment_id, unit_id=item.unit_id, kind=item.kind,
                                 plan_item__plan__strategy_id=item.plan.strategy_id,
                                 plan_item__plan__cycle_start=item.plan.cycle_start)


def _latest_sample(field: str) -> Subquery:
    return Subquery(item_samples().order_by("-started_at", "-pk").values(field)[:1])


def queue_items(*, centre, moderator=None, assessor_id: int | None = None, status: str = "",
                today: datetime.date | None = None) -> list[PlanItem]:
    """Plan items of the centre's current plans: those assigned to `moderator` and those not yet assigned (all of
    them when `moderator` is None), each with `sample_id`, `sample_status` and `queue_status` (not_started,
    in_progress, signed; `overdue` when not signed and its plan's cycle has ended, or an interim item's unit has
    been signed off without it). One query."""
    today = today or timezone.localdate()
    items = (PlanItem.objects.filter(plan__centre=centre, plan__current=True, removed_at__isnull=True)
             .select_related("plan__strategy__qualification", "enrolment__learner", "unit", "assessor", "moderator")
             .annotate(sample_id=_latest_sample("pk"), sample_status=_latest_sample("status"),
                       unit_signed_off=Exists(EnrolmentUnit.objects.filter(
                           enrolment=OuterRef("enrolment"), unit=OuterRef("unit"), locked_at__isnull=False)))
             .order_by("plan__cycle_end", "position", "pk"))
    if moderator is not None:
        items = items.filter(Q(moderator=moderator) | Q(moderator__isnull=True))
    if assessor_id:
        items = items.filter(assessor_id=assessor_id)
    rows = []
    for item in items:
        item.queue_status = _queue_status(item, today)
        if not status or item.queue_status == status:
            rows.append(item)
    return rows


def _queue_status(item: PlanItem, today: datetime.date) -> str:
    if item.sample_status in DONE:
        return "signed"
    late = item.plan.cycle_end < today or (item.kind == SampleKind.INTERIM and item.unit_signed_off)
    if late:
        return "overdue"
    return "in_progress" if item.sample_status in OPEN else "not_started"


def queue_assessors(*, centre) -> list[User]:
    ids = PlanItem.objects.filter(plan__centre=centre, plan__current=True, removed_at__isnull=True).values("assessor")
    return list(User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "email"))


# --- The unit as the assessor saw it --------------------------------------------------------------------

@dataclass
class UnitUnderReview:
    enrolment: Enrolment
    enrolment_unit: EnrolmentUnit
    evidence: list[Evidence]
    criteria: list
    timeline: timeline.Timeline
    plan: AssessmentPlan | None
    plan_items: list
    sign_offs: list


def unit_under_review(*, enrolment: Enrolment, unit) -> UnitUnderReview:
    """Everything the moderator reads about one unit: its evidence (files, revisions, decisions and feedback),
    criteria, audit timeline, sign-offs and the assessment plan's items for it."""
    enrolment_unit = EnrolmentUnit.objects.select_related("unit").get(enrolment=enrolment, unit=unit)
    claiming = EvidenceCriterion.objects.filter(evidence=OuterRef("pk"), unit=unit)
    evidence = list(Evidence.objects.filter(enrolment=enrolment).exclude(status=Evidence.Status.DRAFT)
                    .filter(Exists(claiming)).order_by("submitted_at", "pk")
                    .prefetch_related("files", Prefetch("submissions", queryset=(
                        EvidenceSubmission.objects.select_related("review__assessor", "review__countersigned_by")
                        .prefetch_related("review__decisions__criterion").order_by("number")))))
    plan = (AssessmentPlan.objects.filter(enrolment=enrolment).exclude(status=AssessmentPlan.Status.DRAFT)
            .order_by("-number").first())
    plan_items = list(plan.items.filter(units=unit).prefetch_related("criteria").order_by("position", "pk")
                      ) if plan else []
    built = timeline.timeline_build(enrolment=enrolment, unit=unit,
                                    events=timeline.unit_timeline(enrolment, unit))
    return UnitUnderReview(
        enrolment=enrolment, enrolment_unit=enrolment_unit, evidence=evidence,
        criteria=assessment_selectors.unit_criteria_status(enrolment_unit), timeline=built, plan=plan,
        plan_items=plan_items,
        sign_offs=list(enrolment_unit.sign_offs.select_related("signed_off_by", "unlocked_by")))


# --- The assessor's samples -----------------------------------------------------------------------------

def samples_of_assessor(*, centre, assessor) -> QuerySet[Sample]:
    """Signed samples of the assessor's work, newest first, with their actions. Three queries."""
    return (Sample.objects.filter(centre=centre, assessor=assessor, status__in=DONE)
            .select_related("enrolment__learner", "unit", "moderator")
            .prefetch_related(Prefetch("actions", queryset=SampleAction.objects.order_by("due_date", "pk")))
            .order_by("-signed_at", "-pk"))


def samples_of_item(plan_item: PlanItem) -> list[Sample]:
    return list(item_samples(plan_item).select_related("moderator", "resample_of").order_by("started_at", "pk"))


# --- Certification gate ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hold:
    sentence: str
    sample: Sample | None = None
    plan_item: PlanItem | None = None
    report: EqaReport | None = None  # an EQA report's sanction

    def __str__(self) -> str:
        return self.sentence


def certification_is_gated(*, enrolment: Enrolment) -> bool:
    return SamplingStrategy.objects.filter(centre_id=enrolment.centre_id,
                                           qualification_id=enrolment.version.qualification_id,
                                           status=SamplingStrategy.Status.APPROVED, gate_certification=True).exists()


def certification_holds(*, enrolment: Enrolment) -> list[Hold]:
    """Why the qualification badge and certificate wait, when the centre's approved strategy gates certification:
    each summative plan item for the enrolment in a current plan that has no signed sample (or whose latest
    sample found the assessor must act), and each action of a summative sample not yet closed. Empty without a
    gate. Whatever the gate: each signed EQA report whose sanction holds the enrolment's qualification."""
    holds = eqa_sanction_holds(enrolment=enrolment)
    if not certification_is_gated(enrolment=enrolment):
        return holds
    items = (PlanItem.objects.filter(enrolment=enrolment, kind=SampleKind.SUMMATIVE, plan__current=True,
                                     plan__strategy__qualification_id=enrolment.version.qualification_id,
                                     removed_at__isnull=True)
             .select_related("unit").annotate(latest_sample_id=_latest_sample("pk")).order_by("unit__position", "pk"))
    items = list(items)
    latest_samples = Sample.objects.in_bulk([i.latest_sample_id for i in items if i.latest_sample_id])
    for item in items:
        latest = latest_samples.get(item.latest_sample_id)
        if latest is None or latest.status not in DONE:
            holds.append(Hold(f"Summative sample of unit {item.unit.code} (plan item #{item.pk}) not yet done",
                              sample=latest, plan_item=item))
        elif latest.outcome == Sample.Outcome.DISAGREE_ACT:
            holds.append(Hold(f"Summative sample #{latest.pk} of unit {item.unit.code} (plan item #{item.pk}) "
                              "found the assessor must act: the unit is to be sampled again",
                              sample=latest, plan_item=item))
    actions = (SampleAction.objects.filter(sample__enrolment=enrolment, sample__kind=SampleKind.SUMMATIVE)
               .exclude(status=SampleAction.Status.CLOSED).select_related("sample").order_by("sample_id", "pk"))
    holds += [Hold(f"Action '{_short(a.text)}' of sample #{a.sample_id} is not closed", sample=a.sample)
              for a in actions]
    return holds


def eqa_sanction_holds(*, enrolment: Enrolment) -> list[Hold]:
    """A signed EQA report whose sanction ("hold certification") names the enrolment's qualification and has
    not been lifted holds it."""
    reports = (EqaReport.objects.filter(centre_id=enrolment.centre_id, sanction=EqaReport.Sanction.HOLD,
                                        sanction_lifted_at__isnull=True,
                                        sanction_qualifications=enrolment.version.qualification_id)
               .exclude(status=EqaReport.Status.DRAFT).select_related("grant").order_by("signed_at", "pk"))
    return [Hold(f"EQA report #{r.pk}{f' ({r.grant.awarding_body})' if r.grant.awarding_body else ''} holds "
                 f"certification: {_short(r.sanction_reason)}", report=r) for r in reports]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit - 1]}…"
