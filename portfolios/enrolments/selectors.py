"""Progress reads: My Progress for a learner, the caseload for assessors and centre admins.

Each read runs a fixed number of queries, however many learners, units or criteria there are.
"""

import datetime
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import display_name_of
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion
from qualifications.models import AssessmentCriterion, LearningOutcome, QualificationVersion


def with_progress_counts(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate `criteria_total` (criteria of the enrolment's chosen units) and `criteria_met` (its achieved
    criteria of those units): the counts stored on each enrolment (`portfolios.progress_counts`), so no query
    counts criteria however many enrolments are listed."""
    return enrolments.annotate(criteria_total=F("criteria_count"), criteria_met=F("met_count"))


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


# The outcomes and criteria of a version, unit by unit. A frozen version's content never changes (every edit is
# refused once a learner is enrolled, and any edit bumps `revision`), so its tree is cached under a key naming the
# version, its revision and the moment it froze: nothing to invalidate. A version still open to edits is read.
SPECIFICATION_CACHE_SECONDS = 24 * 3600
Specification = dict[int, list[tuple[LearningOutcome, list[AssessmentCriterion]]]]


@functools.cache
def _specification_layout() -> str:
    """The cached models' fields: a release that changes them reads nothing an earlier one stored."""
    models = (LearningOutcome, AssessmentCriterion)
    fields = ",".join(f.attname for model in models for f in model._meta.concrete_fields)
    return hashlib.sha256(fields.encode()).hexdigest()[:8]


def _specification_key(version: QualificationVersion) -> str:
    return (f"specification-tree:{_specification_layout()}:{version.pk}:{version.revision}:"
            f"{version.frozen_at.timestamp()}")


def _read_specification(version_ids: list[int]) -> dict[int, Specification]:
    """version -> unit -> [(outcome, [criteria])], in their positions: two queries."""
    outcomes = list(LearningOutcome.objects.filter(unit__version_id__in=version_ids)
                    .select_related("unit").order_by("position", "pk"))
    criteria: dict[int, list[AssessmentCriterion]] = {}
    for criterion in AssessmentCriterion.objects.filter(outcome__in=outcomes).order_by("position", "pk"):
        criteria.setdefault(criterion.outcome_id, []).append(criterion)
    trees: dict[int, Specification] = {pk: {} for pk in version_ids}
    for outcome in outcomes:
        version_id = outcome.unit.version_id
        outcome._state.fields_cache.clear()  # the unit is not needed: keeps the cached value small
        trees[version_id].setdefault(outcome.unit_id, []).append((outcome, criteria.get(outcome.pk, [])))
    return trees


def specification_trees(versions: list[QualificationVersion]) -> dict[int, Specification]:
    """The trees of the given versions: from the cache for frozen ones, else two queries for all the rest."""
    versions = list({v.pk: v for v in versions}.values())
    frozen = {_specification_key(v): v.pk for v in versions if v.frozen_at is not None}
    trees = {frozen[key]: tree for key, tree in cache.get_many(list(frozen)).items()}
    missing = [v.pk for v in versions if v.pk not in trees]
    if missing:
        read = _read_specification(missing)
        trees.update(read)
        cache.set_many({key: read[pk] for key, pk in frozen.items() if pk in read}, SPECIFICATION_CACHE_SECONDS)
    return trees


def _achieved(enrolments: list[Enrolment]) -> dict[tuple[int, int], datetime.datetime]:
    return {(enrolment_id, criterion_id): achieved_at for enrolment_id, criterion_id, achieved_at in
            AchievedCriterion.objects.filter(enrolment__in=enrolments).order_by()
            .values_list("enrolment_id", "criterion_id", "achieved_at")}


def _unit_progress(enrolment: Enrolment, eu: EnrolmentUnit, tree: Specification, achieved: dict,
                   evidence: set[str]) -> UnitProgress:
    pk, met = enrolment.pk, 0
    outcomes = []
    for outcome, criteria in tree.get(eu.unit_id, []):
        states = []
        for c in criteria:
            achieved_at = achieved.get((pk, c.pk))
            states.append(CriterionState(c, achieved_at is not None, achieved_at))
            met += achieved_at is not None
        outcomes.append(OutcomeProgress(outcome, states))
    total = sum(len(o.criteria) for o in outcomes)
    return UnitProgress(eu, outcomes, total, met, has_evidence=bool(evidence),
                        waiting_for_review=Evidence.Status.SUBMITTED in evidence)


def enrolment_progress(enrolments: QuerySet[Enrolment]) -> list[EnrolmentProgress]:
    """Full progress (units, outcomes, each criterion's state, each unit's state) of the given enrolments: four
    queries (the enrolments, their units, the criteria met, the evidence), two more for a version's
    specification when it is not cached."""
    enrolments = list(enrolments.select_related("version__qualification", "assessor").prefetch_related(
        Prefetch("enrolment_units", queryset=EnrolmentUnit.objects.select_related("unit").order_by("unit__position"))))
    if not enrolments:
        return []
    trees = specification_trees([e.version for e in enrolments])
    achieved = _achieved(enrolments)
    evidence_statuses = _evidence_by_unit(enrolments)
    result = []
    for enrolment in enrolments:
        progress = EnrolmentProgress(enrolment)
        tree = trees[enrolment.version_id]
        progress.units = [_unit_progress(enrolment, eu, tree, achieved,
                                         evidence_statuses.get((enrolment.pk, eu.unit_id), set()))
                          for eu in enrolment.enrolment_units.all()]
        result.append(progress)
    return result


def _learner_enrolments(learner, centre) -> QuerySet[Enrolment]:
    return (Enrolment.objects.filter(learner=learner, centre=centre).exclude(status=Enrolment.Status.WITHDRAWN)
            .order_by("-created_at"))


def my_progress(*, learner, centre) -> list[EnrolmentProgress]:
    return enrolment_progress(_learner_enrolments(learner, centre))


@dataclass
class EnrolmentSummary:
    """An enrolment's overall progress, for the learner's home: the same figures as My Progress's, counted by
    the database."""

    enrolment: Enrolment
    total: int
    met: int
    certificate: Any = None  # filled in by a higher layer (badges) for a completed enrolment

    completed = EnrolmentProgress.completed
    percent = EnrolmentProgress.percent
    schedule = EnrolmentProgress.schedule


def my_progress_summary(*, learner, centre) -> list[EnrolmentSummary]:
    """The learner's enrolments with criteria met / criteria of their units: one query."""
    def count(queryset: QuerySet) -> Coalesce:
        n = queryset.order_by().annotate(k=Value(1)).values("k").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(n, output_field=IntegerField()), 0)

    total = count(AssessmentCriterion.objects.filter(unit__enrolment_units__enrolment=OuterRef("pk")))
    met = count(AchievedCriterion.objects.filter(enrolment=OuterRef("pk"),
                                                 criterion__unit__enrolment_units__enrolment=OuterRef("pk")))
    enrolments = _learner_enrolments(learner, centre).select_related("version").annotate(
        criteria_total=total, criteria_met=met)
    return [EnrolmentSummary(e, e.criteria_total, e.criteria_met) for e in enrolments]


# --- Caseload --------------------------------------------------------------------------------------------

# The `{% status %}` kind each enrolment status is shown with.
STATUS_KINDS = {Enrolment.Status.ACTIVE: "in_progress", Enrolment.Status.ON_BREAK: "paused",
                Enrolment.Status.COMPLETED: "done", Enrolment.Status.WITHDRAWN: "withdrawn"}
STATUS_LABELS = dict(Enrolment.Status.choices)


@dataclass(frozen=True)
class CaseloadRow:
    """What a caseload row shows of an enrolment (plain values: a page holds fifty rows)."""
    pk: int
    learner_name: str
    assessor_name: str
    qualification_code: str
    status: str
    last_activity_at: datetime.datetime
    percent: int
    schedule: Schedule

    @property
    def status_kind(self) -> str:
        return STATUS_KINDS.get(self.status, "withdrawn")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class _Entry:
    """What ordering and counting a caseload row needs, before anything the row shows is loaded."""
    pk: int
    percent: int
    schedule: Schedule
    last_activity_at: datetime.datetime
    last_name: str
    first_name: str


@dataclass(frozen=True)
class _Dates:
    """What `schedule` reads of an enrolment, without making one per row."""
    start_date: datetime.date
    planned_end_date: datetime.date
    status: str


CASELOAD_SORTS = {
    "learner": lambda r: (r.last_name, r.first_name),
    "progress": lambda r: (r.percent, r.last_name),
    "days_left": lambda r: (r.schedule.days_left, r.last_name),
    "last_activity": lambda r: (r.last_activity_at, r.last_name),
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


class Caseload(Sequence[CaseloadRow]):
    """Every matching enrolment, sorted: counting it, `behind` and the order cost nothing more. Taking a slice (a
    page, the ten most recent) or iterating loads what those rows show (learner, qualification, assessor) in one
    query."""

    def __init__(self, entries: list[_Entry]):
        self._entries = entries
        self.behind = sum(e.schedule.behind for e in entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _caseload_rows(self._entries[index])
        return _caseload_rows([self._entries[index]])[0]

    def __iter__(self):
        return iter(_caseload_rows(self._entries))


# What a caseload row shows (here, on the assessor's home): a page holds fifty rows of four objects each.
CASELOAD_ROW_FIELDS = ("pk", "status", "last_activity_at", "learner_id", "learner__first_name", "learner__last_name",
                       "learner__email", "assessor_id", "assessor__first_name", "assessor__last_name",
                       "assessor__email", "version__qualification__code")


def _caseload_rows(entries: list[_Entry]) -> list[CaseloadRow]:
    if not entries:
        return []
    shown = {values[0]: values for values in Enrolment.objects.filter(pk__in=[e.pk for e in entries])
             .order_by().values_list(*CASELOAD_ROW_FIELDS)}
    rows = []
    for entry in entries:
        if entry.pk not in shown:
            continue
        (pk, status, last_activity_at, learner_id, learner_first, learner_last, learner_email,
         assessor_id, assessor_first, assessor_last, assessor_email, code) = shown[entry.pk]
        rows.append(CaseloadRow(
            pk, display_name_of(learner_id, learner_first, learner_last, learner_email),
            display_name_of(assessor_id, assessor_first, assessor_last, assessor_email) if assessor_id else "",
            code, status, last_activity_at, entry.percent, entry.schedule))
    return rows


def _filtered(enrolments: QuerySet[Enrolment], filters: CaseloadFilter) -> QuerySet[Enrolment]:
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
    return enrolments


def caseload(*, enrolments: QuerySet[Enrolment], filters: CaseloadFilter) -> Caseload:
    """Every enrolment given (already limited to what the viewer may see) that the filters keep, sorted, with its
    progress (the counts stored on each enrolment) and schedule: one query. What a row shows is loaded for the rows
    taken (see `Caseload`)."""
    today = timezone.localdate()
    entries = []
    for values in _filtered(enrolments, filters).order_by().values(
            "pk", "start_date", "planned_end_date", "status", "last_activity_at", "learner__last_name",
            "learner__first_name", "criteria_count", "met_count"):
        share = percent(values["met_count"], values["criteria_count"])
        dates = _Dates(values["start_date"], values["planned_end_date"], values["status"])
        entries.append(_Entry(values["pk"], share, schedule(dates, share, today), values["last_activity_at"],
                              values["learner__last_name"].lower(), values["learner__first_name"].lower()))
    if filters.behind_only:
        entries = [e for e in entries if e.schedule.behind]
    entries.sort(key=CASELOAD_SORTS.get(filters.sort, CASELOAD_SORTS["learner"]), reverse=filters.descending)
    return Caseload(entries)


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
