import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from portfolios.models import AchievedCriterion, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceSubmission
from qualifications.models import AssessmentCriterion

from .models import Review


def revision_history(evidence: Evidence) -> list[EvidenceSubmission]:
    """Every submitted revision with its review and decisions, oldest first."""
    return list(evidence.submissions.select_related("review__assessor", "review__countersigned_by")
                .prefetch_related("review__decisions__criterion").order_by("number"))


@dataclass(frozen=True)
class EarlierDecision:
    """The latest decision on a criterion in an earlier revision of the same evidence."""

    met: bool
    revision: int
    decided_at: datetime.datetime


def earlier_decisions(history: list[EvidenceSubmission], submission: EvidenceSubmission) -> dict[int, EarlierDecision]:
    """By criterion id, what was last decided on it before this revision (from `revision_history`, no query)."""
    found: dict[int, EarlierDecision] = {}
    for earlier in history:
        review = getattr(earlier, "review", None)
        if earlier.number >= submission.number or review is None or not review.decided_at:
            continue
        for decision in review.decisions.all():
            found[decision.criterion_id] = EarlierDecision(decision.met, earlier.number, review.decided_at)
    return found


def awaiting_countersign(*, centre, exclude_assessor) -> QuerySet[Review]:
    return (Review.objects.filter(submission__evidence__enrolment__centre=centre, needs_countersign=True,
                                  countersigned_at__isnull=True, decided_at__isnull=False)
            .exclude(assessor=exclude_assessor)
            .select_related("assessor", "submission__evidence__enrolment__learner")
            .prefetch_related("decisions__criterion").order_by("decided_at"))


@dataclass
class CriterionStatus:
    criterion: AssessmentCriterion
    met: bool
    evidence: list[Evidence]


def unit_criteria_status(enrolment_unit: EnrolmentUnit) -> list[CriterionStatus]:
    achieved = set(AchievedCriterion.objects.filter(enrolment_id=enrolment_unit.enrolment_id,
                                                    unit_id=enrolment_unit.unit_id).values_list("criterion_id",
                                                                                                flat=True))
    claims = (EvidenceCriterion.objects.filter(evidence__enrolment_id=enrolment_unit.enrolment_id,
                                               unit_id=enrolment_unit.unit_id)
              .exclude(evidence__status=Evidence.Status.DRAFT).select_related("evidence"))
    by_criterion: dict[int, list[Evidence]] = {}
    for claim in claims:
        by_criterion.setdefault(claim.criterion_id, []).append(claim.evidence)
    return [CriterionStatus(c, c.pk in achieved, by_criterion.get(c.pk, []))
            for c in AssessmentCriterion.objects.filter(unit_id=enrolment_unit.unit_id).order_by("position")]
