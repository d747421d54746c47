"""What a portfolio export holds, read once per build: the learner's enrolments (all of them, or one centre's),
each with its units, criteria met, sign-offs, assessment plans, evidence, files, decided reviews and witness
statements, and its conversation (messages with their voice notes and attachments); their badges and certificates.
A fixed number of queries per enrolment, whatever its size."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from assessment.models import CriterionDecision, Review, UnitSignOff
from badges.models import Award, Certificate
from centres.models import Centre
from community.conversations.models import Message, MessageFile
from community.conversations.selectors import participants_of
from community.witness.models import WitnessStatement
from portfolios.models import (
    AchievedCriterion,
    AssessmentPlan,
    Enrolment,
    EnrolmentUnit,
    Evidence,
    EvidenceCriterion,
    EvidenceFile,
    PlanItem,
)
from qualifications.models import AssessmentCriterion


@dataclass
class UnitRecord:
    enrolment_unit: EnrolmentUnit
    criteria: list[AssessmentCriterion]
    achieved: dict[int, AchievedCriterion]  # by criterion id
    sign_offs: list[UnitSignOff]  # oldest first

    @property
    def unit(self):
        return self.enrolment_unit.unit

    @property
    def current_sign_off(self) -> UnitSignOff | None:
        """The sign-off the unit is locked by, if it is locked."""
        if self.enrolment_unit.locked_at is None:
            return None
        return next((s for s in reversed(self.sign_offs) if s.unlocked_at is None), None)

    @property
    def met(self) -> int:
        return sum(1 for c in self.criteria if c.pk in self.achieved)

    @property
    def percent(self) -> int:
        return percent(self.met, len(self.criteria))


@dataclass
class EnrolmentRecord:
    enrolment: Enrolment
    units: list[UnitRecord]
    plans: list[AssessmentPlan]  # newest version first, each with `.shown_items`
    evidence: list[Evidence]  # each with `.shown_files`, `.shown_claims`, `.shown_reviews`, `.shown_statements`
    messages: list[Message] = field(default_factory=list)  # oldest first, each with `.shown_files`, `.author_role`

    @property
    def ref(self) -> str:
        return f"enrolment-{self.enrolment.pk}"

    @property
    def met(self) -> int:
        return sum(u.met for u in self.units)

    @property
    def total(self) -> int:
        return sum(len(u.criteria) for u in self.units)

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)


@dataclass
class Portfolio:
    learner: User
    centre: Centre | None
    enrolments: list[EnrolmentRecord] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


def percent(met: int, total: int) -> int:
    """round(100 × met ÷ total), 0 when there is nothing to meet."""
    return round(100 * met / total) if total else 0


def evidence_ref(evidence: Evidence | int) -> str:
    return f"evidence-{evidence if isinstance(evidence, int) else evidence.pk}"


def learner_enrolments(learner: User, centre: Centre | None) -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.filter(learner=learner)
    if centre is not None:
        enrolments = enrolments.filter(centre=centre)
    return (enrolments.select_related("centre", "learner", "assessor", "version__qualification")
            .order_by("start_date", "pk"))


def portfolio_of(learner: User, centre: Centre | None = None) -> Portfolio:
    """Everything of the learner's the export holds (centre None: every centre)."""
    found = Portfolio(learner=learner, centre=centre)
    found.enrolments = [enrolment_record(e) for e in learner_enrolments(learner, centre)]
    awards = Award.objects.filter(recipient=learner).select_related("badge_class__centre", "recipient")
    certificates = Certificate.objects.filter(recipient=learner).select_related("centre", "enrolment")
    if centre is not None:
        awards, certificates = awards.filter(badge_class__centre=centre), certificates.filter(centre=centre)
    found.awards = list(awards.order_by("issued_on", "pk"))
    found.certificates = list(certificates.order_by("issued_on", "pk"))
    return found


def enrolment_record(enrolment: Enrolment) -> EnrolmentRecord:
    """One enrolment as the export holds it, in a fixed number of queries whatever its size (the statements and
    the conversation add at most five)."""
    units = list(EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")
                 .order_by("unit__position", "unit__pk"))
    criteria: dict[int, list[AssessmentCriterion]] = {}
    for criterion in AssessmentCriterion.objects.filter(unit__in=[eu.unit_id for eu in units]).order_by(
            "unit_id", "position", "pk"):
        criteria.setdefault(criterion.unit_id, []).append(criterion)
    achieved = {a.criterion_id: a for a in AchievedCriterion.objects.filter(enrolment=enrolment)}
    sign_offs: dict[int, list[UnitSignOff]] = {}
    for sign_off in (UnitSignOff.objects.filter(enrolment_unit__enrolment=enrolment)
                     .select_related("signed_off_by").order_by("number", "pk")):
        sign_offs.setdefault(sign_off.enrolment_unit_id, []).append(sign_off)
    records = [UnitRecord(enrolment_unit=eu, criteria=criteria.get(eu.unit_id, []),
                          achieved={pk: a for pk, a in achieved.items() if a.unit_id == eu.unit_id},
                          sign_offs=sign_offs.get(eu.pk, [])) for eu in units]
    plans = list(AssessmentPlan.objects.filter(enrolment=enrolment).prefetch_related(
        Prefetch("items", queryset=PlanItem.objects.prefetch_related("units", "criteria")
                 .order_by("position", "target_date", "pk"), to_attr="shown_items")).order_by("-number"))
    return EnrolmentRecord(enrolment=enrolment, units=records, plans=plans, evidence=_evidence(enrolment),
                           messages=_messages(enrolment))


def _evidence(enrolment: Enrolment) -> list[Evidence]:
    files = EvidenceFile.objects.filter(processed_at__isnull=False).exclude(file="").order_by("uploaded_at", "pk")
    decisions = CriterionDecision.objects.select_related("criterion", "unit").order_by("unit__position",
                                                                                      "criterion__position")
    reviews = (Review.objects.filter(decided_at__isnull=False).select_related("assessor", "submission")
               .prefetch_related(Prefetch("decisions", queryset=decisions, to_attr="shown_decisions"))
               .order_by("decided_at", "pk"))
    evidence = list(Evidence.objects.filter(enrolment=enrolment)
                    .prefetch_related(Prefetch("files", queryset=files, to_attr="shown_files"),
                                      Prefetch("claims", to_attr="shown_claims",
                                               queryset=_claims()),
                                      Prefetch("submissions__review", queryset=reviews))
                    .order_by("created_at", "pk"))
    statements: dict[int, list[WitnessStatement]] = {}
    for statement in _statements(enrolment):
        statements.setdefault(statement.request.evidence_id, []).append(statement)
    for item in evidence:
        item.shown_reviews = sorted((s.review for s in item.submissions.all() if _decided_review(s)),
                                    key=lambda r: (r.decided_at, r.pk))
        item.shown_statements = statements.get(item.pk, [])
    return evidence


def _statements(enrolment: Enrolment) -> QuerySet[WitnessStatement]:
    """The witness statements received about the enrolment's evidence, oldest first, with the criteria each
    covers (two queries)."""
    criteria = AssessmentCriterion.objects.select_related("unit").order_by("unit__position", "position", "pk")
    return (WitnessStatement.objects.filter(request__evidence__enrolment=enrolment).select_related("request")
            .prefetch_related(Prefetch("criteria", queryset=criteria, to_attr="shown_criteria"))
            .order_by("submitted_at", "pk"))


STAFF = "staff"  # a message's author who no longer takes part (a former assessor, say)


def _messages(enrolment: Enrolment) -> list[Message]:
    """The enrolment's conversation, oldest first, each message with its files and its author's part in the
    conversation (`author_role`: learner, assessor, countersigner, moderator or staff). Three queries."""
    files = MessageFile.objects.exclude(file="").order_by("role", "pk")
    messages = list(Message.objects.filter(conversation__enrolment=enrolment)
                    .select_related("author", "evidence", "criterion__unit")
                    .prefetch_related(Prefetch("files", queryset=files, to_attr="shown_files"))
                    .order_by("created_at", "pk"))
    if messages:
        roles = {p.user.pk: p.role for p in participants_of(enrolment)}
        for message in messages:
            message.author_role = roles.get(message.author_id, STAFF)
    return messages


def _claims() -> QuerySet[EvidenceCriterion]:
    return EvidenceCriterion.objects.select_related("criterion", "unit").order_by("unit__position",
                                                                                 "criterion__position")


def _decided_review(submission) -> bool:
    try:
        return submission.review.decided_at is not None
    except Review.DoesNotExist:
        return False
