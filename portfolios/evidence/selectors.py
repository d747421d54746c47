from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from portfolios.models import Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile, EvidenceSubmission
from qualifications.models import AssessmentCriterion


@dataclass
class CriterionEvidence:
    criterion: AssessmentCriterion
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return not self.evidence


@dataclass
class UnitEvidence:
    enrolment_unit: EnrolmentUnit
    criteria: list[CriterionEvidence]

    @property
    def unit(self):
        return self.enrolment_unit.unit

    @property
    def missing_count(self) -> int:
        return sum(c.missing for c in self.criteria)


def portfolio_by_criterion(*, enrolment: Enrolment, include_drafts: bool) -> list[UnitEvidence]:
    """The enrolment's units, each criterion with the evidence claiming it (and what is still missing)."""
    criteria = Prefetch("unit__criteria", queryset=AssessmentCriterion.objects.order_by("position"))
    units = list(EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit").order_by("unit__position")
                 .prefetch_related(criteria))
    claims = EvidenceCriterion.objects.filter(evidence__enrolment=enrolment).select_related("evidence")
    if not include_drafts:
        claims = claims.exclude(evidence__status=Evidence.Status.DRAFT)
    claims = list(claims.order_by("evidence__created_at"))
    first_files = {}
    for f in EvidenceFile.objects.filter(evidence_id__in={c.evidence_id for c in claims}).order_by("pk"):
        first_files.setdefault(f.evidence_id, f)
    by_criterion: dict[int, list[Evidence]] = {}
    for claim in claims:
        claim.evidence.first_file = first_files.get(claim.evidence_id)
        by_criterion.setdefault(claim.criterion_id, []).append(claim.evidence)
    return [UnitEvidence(eu, [CriterionEvidence(c, by_criterion.get(c.pk, [])) for c in eu.unit.criteria.all()])
            for eu in units]


def drafts_of(enrolment: Enrolment) -> QuerySet[Evidence]:
    return Evidence.objects.filter(enrolment=enrolment, status=Evidence.Status.DRAFT).order_by("-updated_at")


def criteria_by_unit(criteria: QuerySet[AssessmentCriterion]) -> list[tuple[object, list[AssessmentCriterion]]]:
    grouped: dict[int, tuple[object, list]] = {}
    for c in criteria:
        grouped.setdefault(c.unit_id, (c.unit, []))[1].append(c)
    return list(grouped.values())


def duplicate_files(*, files: list[EvidenceFile], learner) -> dict[int, list[EvidenceFile]]:
    """For the assessor's authenticity check: the same file (same SHA-256) in another learner's evidence."""
    hashes = {f.sha256 for f in files if f.sha256}
    if not hashes:
        return {}
    centre_id = files[0].evidence.enrolment.centre_id
    # Only within the centre: nothing of one centre is visible from another.
    others = (EvidenceFile.objects.filter(sha256__in=hashes, evidence__enrolment__centre_id=centre_id)
              .exclude(evidence__enrolment__learner=learner).exclude(evidence__status=Evidence.Status.DRAFT)
              .select_related("evidence__enrolment__learner"))
    found: dict[str, list[EvidenceFile]] = {}
    for other in others:
        found.setdefault(other.sha256, []).append(other)
    return {f.pk: found[f.sha256] for f in files if f.sha256 in found}


def submissions_with_reviews(evidence: Evidence) -> list[EvidenceSubmission]:
    """Every submitted revision, oldest first, each with its review (reached by relation name: the assessment app
    sits above this one) and the review's decisions."""
    return list(evidence.submissions.select_related("review__assessor", "review__countersigned_by")
                .prefetch_related("review__decisions__criterion", "review__decisions__unit").order_by("number"))


@dataclass
class Feedback:
    """The assessor's decision on the latest revision, as the learner needs it: who, when, what is not yet met."""

    review: object
    met: list
    not_met: list

    @property
    def not_met_ids(self) -> set[int]:
        return {d.criterion_id for d in self.not_met}

    @property
    def several_units(self) -> bool:  # then a criterion's number alone ("1.1") is ambiguous
        return len({d.unit_id for d in self.met + self.not_met}) > 1


def latest_feedback(history: list[EvidenceSubmission]) -> Feedback | None:
    """The decision on the latest revision, or None while it waits for one (or was withdrawn)."""
    if not history or history[-1].withdrawn_at:
        return None
    review = getattr(history[-1], "review", None)
    if review is None or not review.decided_at:
        return None
    decisions = sorted(review.decisions.all(), key=lambda d: (d.unit.position, d.criterion.position))
    return Feedback(review=review, met=[d for d in decisions if d.met], not_met=[d for d in decisions if not d.met])
