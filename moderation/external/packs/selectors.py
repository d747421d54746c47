"""What a sample pack holds, read once per build: the grant's scope (`grant_enrolments`) and, for each learner,
their units, evidence, decisions, feedback and timeline; the assessment plans; the IQA and standardisation
records; the audit-chain head the pack was built from. Reads per learner take a fixed number of queries."""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from assessment import timeline
from assessment.models import CriterionDecision, Review, UnitSignOff
from audit.checkpoints import stored_checkpoints
from audit.models import AuditChain
from audit.services import chain_key_for
from moderation.models import (
    CoMarkingExercise,
    EqaGrant,
    PlanItem,
    Sample,
    SamplePack,
    SamplingPlan,
    SamplingStrategy,
    StandardisationMeeting,
)
from moderation.practice.agreement import ExerciseAgreement, exercise_agreement
from portfolios.models import AssessmentPlan, Enrolment, EnrolmentUnit, Evidence, EvidenceFile
from portfolios.models import PlanItem as AssessmentPlanItem

from ..selectors import grant_enrolments

ACTIVE_PACK = (SamplePack.Status.QUEUED, SamplePack.Status.BUILDING)


# --- Packs ---------------------------------------------------------------------------------------------

def pending_pack(*, grant: EqaGrant, user: User) -> SamplePack | None:
    """The pack `user` asked for on `grant` that is still queued or being built."""
    return (SamplePack.objects.filter(grant=grant, requested_by=user, status__in=ACTIVE_PACK)
            .order_by("-created_at", "-pk").first())


def packs_of(*, grant: EqaGrant, user: User) -> QuerySet[SamplePack]:
    """The packs `user` asked for on `grant`, newest first (one query)."""
    return SamplePack.objects.filter(grant=grant, requested_by=user).order_by("-created_at", "-pk")


# --- The scope -----------------------------------------------------------------------------------------

def scoped_enrolments(grant: EqaGrant) -> QuerySet[Enrolment]:
    return (grant_enrolments(grant).select_related("learner", "assessor", "version__qualification")
            .order_by("learner__last_name", "learner__first_name", "learner_id", "pk"))


@dataclass
class LearnerRecord:
    """One scoped enrolment, as the pack shows it."""

    enrolment: Enrolment
    units: list[EnrolmentUnit]
    sign_offs: dict[int, list[UnitSignOff]]  # by enrolment unit id
    evidence: list[Evidence]  # submitted at least once; `.shown_files` are the processed files
    reviews: list[Review]  # decided ones, each with `.decisions`
    events: list = field(default_factory=list)  # audit events, oldest first


def learner_record(enrolment: Enrolment) -> LearnerRecord:
    """Everything of one enrolment the pack holds, in eight queries whatever its size."""
    units = list(EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")
                 .order_by("unit__position", "unit__pk"))
    sign_offs: dict[int, list[UnitSignOff]] = {}
    for sign_off in (UnitSignOff.objects.filter(enrolment_unit__enrolment=enrolment)
                     .select_related("signed_off_by").order_by("signed_off_at", "pk")):
        sign_offs.setdefault(sign_off.enrolment_unit_id, []).append(sign_off)
    files = EvidenceFile.objects.filter(processed_at__isnull=False).exclude(file="").order_by("uploaded_at", "pk")
    evidence = list(Evidence.objects.filter(enrolment=enrolment).exclude(status=Evidence.Status.DRAFT)
                    .prefetch_related(Prefetch("files", queryset=files, to_attr="shown_files"),
                                      Prefetch("claims__criterion"))
                    .order_by("submitted_at", "pk"))
    decisions = (CriterionDecision.objects.select_related("criterion", "unit")
                 .order_by("unit__position", "criterion__position"))
    reviews = list(Review.objects.filter(submission__evidence__enrolment=enrolment, decided_at__isnull=False)
                   .select_related("assessor", "countersigned_by", "submission")
                   .prefetch_related(Prefetch("decisions", queryset=decisions, to_attr="shown_decisions"))
                   .order_by("decided_at", "pk"))
    return LearnerRecord(enrolment=enrolment, units=units, sign_offs=sign_offs, evidence=evidence, reviews=reviews,
                         events=timeline.learner_timeline(enrolment))


# Event data naming an uploaded file: left out under a blind grant, since a file's name often carries its author's.
FILE_NAME_KEYS = frozenset({"name", "original_name", "file_name", "filename"})


def timeline_rows(record: LearnerRecord, *, hide_file_names: bool = False) -> list[timeline.TimelineRow]:
    unit_codes = {eu.unit_id: eu.unit.code for eu in record.units}
    rows = []
    for event in record.events:
        row = timeline.event_row(event, unit_codes)
        if hide_file_names and FILE_NAME_KEYS.intersection(event.data):
            kept = {key: value for key, value in event.data.items() if key not in FILE_NAME_KEYS}
            row = replace(row, details=timeline.event_details(kept, unit_codes))
        rows.append(row)
    return rows


# --- Assessment plans ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanRow:
    learner: User
    qualification: str
    assessor: User
    plan_number: int
    plan_status: str
    unit_codes: str
    method: str
    target_date: object
    agreed_on: object


def plan_rows(enrolments: QuerySet[Enrolment]) -> Iterator[PlanRow]:
    """Every item of every scoped enrolment's latest assessment plan: assessor x unit x learner x dates. A fixed
    number of queries per 500 enrolments."""
    ids = list(enrolments.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        plans = (AssessmentPlan.objects.filter(enrolment_id__in=chunk)
                 .select_related("enrolment__learner", "enrolment__assessor", "enrolment__version")
                 .prefetch_related(Prefetch("items", queryset=AssessmentPlanItem.objects.prefetch_related("units")
                                            .order_by("position", "target_date", "pk")))
                 .order_by("enrolment_id", "-number"))
        seen = set()
        for plan in plans:
            if plan.enrolment_id in seen:
                continue  # an older version
            seen.add(plan.enrolment_id)
            for item in plan.items.all():
                yield PlanRow(
                    learner=plan.enrolment.learner, qualification=plan.enrolment.version.title,
                    assessor=plan.enrolment.assessor, plan_number=plan.number, plan_status=plan.get_status_display(),
                    unit_codes=", ".join(u.code for u in item.units.all()), method=item.get_method_display(),
                    target_date=item.target_date, agreed_on=plan.learner_signed_at if plan.status == "agreed"
                    else None)


# --- IQA records -------------------------------------------------------------------------------------------

@dataclass
class IqaRecords:
    strategies: list[SamplingStrategy]
    plans: list[SamplingPlan]  # each with `.scoped_items`
    samples: list[Sample]


def iqa_records(grant: EqaGrant, enrolments: QuerySet[Enrolment]) -> IqaRecords:
    """The approved strategies of the scope's qualifications, the current plans (or the grant's own plan) with their
    items for scoped learners, and every sample of a scoped learner."""
    qualification_ids = set(enrolments.values_list("version__qualification_id", flat=True))
    strategies = list(SamplingStrategy.objects.filter(centre_id=grant.centre_id, qualification_id__in=qualification_ids,
                                                      status=SamplingStrategy.Status.APPROVED)
                      .select_related("qualification", "approved_by").prefetch_related("tier_rates")
                      .order_by("qualification__code"))
    plans = SamplingPlan.objects.filter(centre_id=grant.centre_id)
    plans = plans.filter(pk=grant.plan_id) if grant.plan_id else plans.filter(
        current=True, strategy__qualification_id__in=qualification_ids)
    items = (PlanItem.objects.filter(enrolment__in=enrolments, removed_at__isnull=True)
             .select_related("enrolment__learner", "unit", "assessor", "moderator").order_by("position", "pk"))
    plans = list(plans.select_related("strategy__qualification")
                 .prefetch_related(Prefetch("items", queryset=items, to_attr="scoped_items"))
                 .order_by("-cycle_start", "pk"))
    samples = list(Sample.objects.filter(enrolment__in=enrolments)
                   .select_related("enrolment__learner", "unit", "assessor", "moderator", "second_signed_by")
                   .prefetch_related("actions__owner").order_by("started_at", "pk"))
    return IqaRecords(strategies=strategies, plans=plans, samples=samples)


# --- Standardisation -------------------------------------------------------------------------------------

@dataclass
class Standardisation:
    meetings: list[StandardisationMeeting]  # each with `.shown_attendees` and `.shown_files`
    exercises: list[tuple[CoMarkingExercise, ExerciseAgreement]]


def standardisation_records(grant: EqaGrant, enrolments: QuerySet[Enrolment]) -> Standardisation:
    """The centre's meetings (of the scope's qualifications, or of none) and its closed co-marking exercises on
    the scope's qualifications."""
    qualification_ids = set(enrolments.values_list("version__qualification_id", flat=True))
    meetings = list(StandardisationMeeting.objects.filter(centre_id=grant.centre_id)
                    .filter(Q(qualification__isnull=True) | Q(qualification_id__in=qualification_ids))
                    .select_related("qualification", "recorded_by")
                    .prefetch_related(Prefetch("attendees", to_attr="shown_attendees"),
                                      Prefetch("files", to_attr="shown_files"))
                    .order_by("-held_on", "pk"))
    exercises = (CoMarkingExercise.objects.filter(centre_id=grant.centre_id, status=CoMarkingExercise.Status.CLOSED,
                                                  evidence__enrolment__version__qualification_id__in=qualification_ids)
                 .select_related("evidence__enrolment__version").order_by("-closed_at", "pk"))
    return Standardisation(meetings=meetings, exercises=[(e, exercise_agreement(e)) for e in exercises])


# --- Audit chain ------------------------------------------------------------------------------------------

def audit_checkpoint(centre_id: int) -> dict:
    """The centre chain's head now, and its latest signed checkpoint that verifies (if any is stored)."""
    key = chain_key_for(centre_id)
    head = AuditChain.objects.filter(key=key).values("last_seq", "last_hash").first() or {
        "last_seq": 0, "last_hash": "0" * 64}
    found = {"chain": key, "head_seq": head["last_seq"], "head_hash": head["last_hash"], "signed": None}
    signed = stored_checkpoints().by_chain.get(key, [])
    if signed:
        latest = signed[-1]
        found["signed"] = {"seq": latest.seq, "hash": latest.hash, "created_at": latest.created_at,
                           "name": latest.name}
    return found
