"""Reads behind the assessor's queue and the centre's assessor workload. Query counts do not grow with rows."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import display_name_of
from centres.models import Membership, Role
from portfolios.models import Enrolment, Evidence, EvidenceCriterion, EvidenceFile, EvidenceSubmission
from qualifications.models import Unit

from .models import Review

User = get_user_model()

TURNAROUND_DAYS = 90
RECENT_DECISIONS_DAYS = 30


def duration_text(delta: datetime.timedelta | None) -> str:
    """"3 days 4 hours", "5 hours", "under an hour": a wait or a turnaround as people say it."""
    if delta is None:
        return "—"
    days, hours = divmod(int(delta.total_seconds() // 3600), 24)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return " ".join(parts) or _("under an hour")


def waiting_evidence(*, centre, assessor=None) -> QuerySet[Evidence]:
    """Submitted evidence nobody has decided yet, in `centre` (of `assessor`'s learners when given).

    A withdrawn learner's items wait for nobody, so they are left out."""
    waiting = (Evidence.objects.filter(status=Evidence.Status.SUBMITTED, enrolment__centre=centre)
               .exclude(enrolment__status=Enrolment.Status.WITHDRAWN))
    if assessor is not None:
        waiting = waiting.filter(enrolment__assessor=assessor)
    return waiting


@dataclass(frozen=True)
class QueueFilter:
    learner: int | None = None
    unit: int | None = None
    older_than_days: int | None = None


def queue(*, centre, assessor, filters: QueueFilter = QueueFilter(), now: datetime.datetime | None = None
          ) -> QuerySet[Evidence]:
    """The assessor's queue, oldest first, with what a row shows of the item annotated (its units and files are
    read for a page of it by `queue_rows`)."""
    items = waiting_evidence(centre=centre, assessor=assessor)
    if filters.learner:
        items = items.filter(enrolment__learner_id=filters.learner)
    if filters.unit:
        items = items.filter(Exists(EvidenceCriterion.objects.filter(evidence=OuterRef("pk"), unit_id=filters.unit)))
    if filters.older_than_days:
        cutoff = (now or timezone.now()) - datetime.timedelta(days=filters.older_than_days)
        items = items.filter(submitted_at__lte=cutoff)
    latest = EvidenceSubmission.objects.filter(evidence=OuterRef("pk")).order_by("-number").values("pk")[:1]
    returned_before = EvidenceSubmission.objects.filter(evidence=OuterRef("pk"),
                                                        review__outcome=Review.Outcome.RETURNED)
    return (items
            .select_related("enrolment__learner")
            .only("pk", "title", "submitted_at", "review_started_at", "enrolment__learner__first_name",
                  "enrolment__learner__last_name", "enrolment__learner__email")
            .annotate(latest_submission_id=Subquery(latest),
                      resubmission=Exists(returned_before))
            .order_by("submitted_at", "pk"))


# "2 photos": what a queue row says of the files of each kind.
FILE_KIND_COUNTS = {
    EvidenceFile.Kind.IMAGE: lambda n: ngettext("%(n)d photo", "%(n)d photos", n),
    EvidenceFile.Kind.VIDEO: lambda n: ngettext("%(n)d video", "%(n)d videos", n),
    EvidenceFile.Kind.AUDIO: lambda n: ngettext("%(n)d recording", "%(n)d recordings", n),
    EvidenceFile.Kind.PDF: lambda n: ngettext("%(n)d PDF", "%(n)d PDFs", n),
    EvidenceFile.Kind.DOCUMENT: lambda n: ngettext("%(n)d document", "%(n)d documents", n),
    EvidenceFile.Kind.TEXT: lambda n: ngettext("%(n)d text file", "%(n)d text files", n),
}


@dataclass(frozen=True)
class FileKind:
    """The files of one kind in an evidence item. `content_type` (the first file's) picks the icon."""
    kind: str
    count: int
    content_type: str

    @property
    def text(self) -> str:
        counted = FILE_KIND_COUNTS.get(self.kind, lambda n: ngettext("%(n)d file", "%(n)d files", n))
        return counted(self.count) % {"n": self.count}


@dataclass(frozen=True)
class QueueRow:
    evidence: Evidence
    unit_codes: list[str]
    waited: datetime.timedelta
    overdue: bool
    file_kinds: list[FileKind]

    @property
    def learner(self):
        return self.evidence.enrolment.learner

    @property
    def waited_text(self) -> str:
        return duration_text(self.waited)


def queue_rows(items, *, now: datetime.datetime, overdue_days: int) -> list[QueueRow]:
    """One row per evidence item of a page of `queue()`, with its units and files: two queries (plain values, as a
    page holds up to fifty items)."""
    items = list(items)
    ids = [evidence.pk for evidence in items]
    codes: dict[int, dict[str, None]] = {pk: {} for pk in ids}
    for evidence_id, code in (EvidenceCriterion.objects.filter(evidence_id__in=ids)
                              .order_by("unit__position", "unit__code").values_list("evidence_id", "unit__code")):
        codes[evidence_id][code] = None
    files: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for evidence_id, kind, content_type in (EvidenceFile.objects.filter(evidence_id__in=ids)
                                            .values_list("evidence_id", "kind", "content_type")):
        files[evidence_id].append((kind, content_type))
    rows = []
    for evidence in items:
        waited = now - evidence.submitted_at
        rows.append(QueueRow(evidence, list(codes[evidence.pk]), waited,
                             waited >= datetime.timedelta(days=overdue_days), file_kinds(files[evidence.pk])))
    return rows


def file_kinds(files: list[tuple[str, str]]) -> list[FileKind]:
    """(kind, content type) of each file grouped by kind, in the order the kinds first appear."""
    groups: dict[str, list[str]] = {}
    for kind, content_type in files:
        groups.setdefault(kind, []).append(content_type)
    return [FileKind(kind, len(types), types[0]) for kind, types in groups.items()]


def queue_choices(*, centre, assessor) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The learners with waiting items, and the units those items claim, as (pk, label): what the filters offer.
    Two queries of plain values (a queue can hold a few hundred learners)."""
    waiting = waiting_evidence(centre=centre, assessor=assessor)
    learners = [(pk, display_name_of(pk, first, last, email)) for pk, first, last, email in
                User.objects.filter(pk__in=waiting.values("enrolment__learner")).order_by("first_name", "last_name")
                .values_list("pk", "first_name", "last_name", "email")]
    units = [(pk, f"{code} {title}") for pk, code, title in
             Unit.objects.filter(pk__in=EvidenceCriterion.objects.filter(evidence__in=waiting).values("unit"))
             .order_by("code").values_list("pk", "code", "title")]
    return learners, units


def may_have_queue(*, centre, user_id: int) -> bool:
    """Someone whose queue a centre admin may open: a current assessor here, or the assessor of an enrolment."""
    return (Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR, user_id=user_id).exists()
            or Enrolment.objects.filter(centre=centre, assessor_id=user_id).exists())


# --- Workload -------------------------------------------------------------------------------------------

@dataclass
class AssessorWorkload:
    assessor: object
    current: bool  # still holds the assessor role here; others are listed only while work is left with them
    waiting: int = 0
    oldest_waited: datetime.timedelta | None = None
    turnaround: datetime.timedelta | None = None
    decisions_recent: int = 0
    awaiting_countersign: int = 0

    @property
    def oldest_waited_text(self) -> str:
        return duration_text(self.oldest_waited)

    @property
    def turnaround_text(self) -> str:
        return duration_text(self.turnaround)


def workload(*, centre, now: datetime.datetime | None = None) -> list[AssessorWorkload]:
    """Every assessor of the centre with their queue and their recent decisions: three queries in all."""
    now = now or timezone.now()
    queues = {row["enrolment__assessor"]: row for row in
              waiting_evidence(centre=centre).order_by().values("enrolment__assessor")
              .annotate(n=Count("pk"), oldest=Min("submitted_at"))}
    turnaround_since = now - datetime.timedelta(days=TURNAROUND_DAYS)
    recent_since = now - datetime.timedelta(days=RECENT_DECISIONS_DAYS)
    awaiting = Q(needs_countersign=True, countersigned_at__isnull=True)
    took = ExpressionWrapper(F("decided_at") - F("submission__submitted_at"), output_field=DurationField())
    reviews = {row["assessor"]: row for row in
               Review.objects.filter(submission__evidence__enrolment__centre=centre, decided_at__isnull=False)
               .filter(Q(decided_at__gte=turnaround_since) | awaiting).order_by().values("assessor")
               .annotate(turnaround=Avg(took, filter=Q(decided_at__gte=turnaround_since)),
                         recent=Count("pk", filter=Q(decided_at__gte=recent_since)),
                         awaiting=Count("pk", filter=awaiting))}
    current = Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR).values("user")
    people = User.objects.filter(Q(pk__in=current) | Q(pk__in=set(queues) | set(reviews))).annotate(
        current=Exists(current.filter(user=OuterRef("pk")))).order_by("first_name", "last_name", "email")
    rows = []
    for person in people:
        load = AssessorWorkload(person, person.current)
        if queue_row := queues.get(person.pk):
            load.waiting, load.oldest_waited = queue_row["n"], now - queue_row["oldest"]
        if review_row := reviews.get(person.pk):
            load.turnaround = _as_duration(review_row["turnaround"])
            load.decisions_recent, load.awaiting_countersign = review_row["recent"], review_row["awaiting"]
        rows.append(load)
    return rows


def _as_duration(value) -> datetime.timedelta | None:
    # PostgreSQL averages intervals into an interval; SQLite averages the microseconds into a number.
    if value is None or isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(microseconds=float(value))
