"""Reads of EQA reports: the figures computed from a report's rows, the picker of units an EQA may judge, the
centre's open action points. Each list is a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from assessment.models import UnitSignOff
from moderation.models import EqaGrant, PlanItem, Sample
from portfolios.models import EnrolmentUnit

from ..selectors import grant_enrolments
from .models import RAG_WORST_FIRST, EqaActionPoint, EqaChecklistItem, EqaComment, EqaJudgement, EqaRating, EqaReport

PICKER_PAGE_SIZE = 25
PICKER_SHOWS = ("sampled", "signed_off", "all")


@dataclass(frozen=True)
class ReportFigures:
    """Everything a report states as a number, each computed from its judgements and ratings."""

    sample_size: int
    learners: list[str]
    units: list[str]
    assessors: list[str]
    agreed: int
    changed: int
    agreed_percent: int | None
    changed_percent: int | None
    overall: str  # red, amber, green, or "" with no rating yet
    ratings: list[EqaRating] = field(default_factory=list)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def report_figures(report: EqaReport) -> ReportFigures:
    """Figures of a report whose `judgements` (with enrolment__learner, unit, assessor) and `ratings` are
    prefetched (see `report_with_rows`), or loaded here."""
    judgements = list(report.judgements.all())
    ratings = list(report.ratings.all())
    agreed = sum(j.agreed for j in judgements)
    given = {r.rating for r in ratings}
    return ReportFigures(
        sample_size=len(judgements),
        learners=sorted({j.enrolment.learner.display_name for j in judgements}),
        units=sorted({j.unit.code for j in judgements}),
        assessors=sorted({j.assessor.display_name for j in judgements}),
        agreed=agreed, changed=len(judgements) - agreed,
        agreed_percent=_percent(agreed, len(judgements)),
        changed_percent=_percent(len(judgements) - agreed, len(judgements)),
        overall=next((rag for rag in RAG_WORST_FIRST if rag in given), ""),
        ratings=ratings)


def report_with_rows(queryset: QuerySet[EqaReport]) -> QuerySet[EqaReport]:
    return queryset.select_related(
        "grant", "centre", "author", "acknowledged_by", "sanction_lifted_by").prefetch_related(
        Prefetch("judgements", EqaJudgement.objects.select_related(
            "enrolment__learner", "enrolment__version", "unit", "assessor").order_by("pk")),
        Prefetch("ratings", EqaRating.objects.select_related("item").order_by("item__position", "item_id")),
        Prefetch("action_points", EqaActionPoint.objects.select_related("owner", "done_by").order_by("due_date", "pk")),
        "sanction_qualifications")


def grant_reports(grant: EqaGrant) -> list[EqaReport]:
    """A grant's reports, newest visit first, with their figures. Fixed queries."""
    reports = list(report_with_rows(EqaReport.objects.filter(grant=grant)))
    for report in reports:
        report.figures = report_figures(report)
    return reports


def active_checklist(centre) -> list[EqaChecklistItem]:
    return list(EqaChecklistItem.objects.filter(centre=centre, active=True).order_by("position", "pk"))


def unrated_items(report: EqaReport) -> list[EqaChecklistItem]:
    rated = {r.item_id for r in report.ratings.all()}
    return [item for item in active_checklist(report.centre) if item.pk not in rated]


def grant_comments(grant: EqaGrant) -> list[EqaComment]:
    return list(grant.comments.select_related("author", "enrolment__learner", "enrolment__version"))


# --- The picker of units to judge -------------------------------------------------------------------------

def _sampled_by_iqa() -> Q:
    sampled = Sample.objects.filter(enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"))
    planned = PlanItem.objects.filter(enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"),
                                      removed_at__isnull=True, plan__current=True)
    return Q(Exists(sampled)) | Q(Exists(planned))


def _signer() -> Subquery:
    return Subquery(UnitSignOff.objects.filter(enrolment_unit=OuterRef("pk"), unlocked_at__isnull=True)
                    .order_by("-number").values("signed_off_by_id")[:1])


def in_scope_units(grant: EqaGrant) -> QuerySet[EnrolmentUnit]:
    return EnrolmentUnit.objects.filter(enrolment__in=grant_enrolments(grant))


def picker_page(*, report: EqaReport, search: str = "", show: str = "sampled", page: int = 1) -> Page:
    """One page of the enrolment units in the grant's scope that the EQA may judge, learner by learner. `show`:
    units sampled by IQA (planned or sampled), signed-off units, or all. Each row knows its assessor (who signed
    it off, else the learner's assessor) and whether this report already judges it. Fixed queries."""
    units = (in_scope_units(report.grant)
             .select_related("enrolment__learner", "enrolment__version", "enrolment__assessor", "unit")
             .annotate(signer_id=_signer(), iqa_sampled=_sampled_by_iqa(),
                       judged=Exists(EqaJudgement.objects.filter(report=report, enrolment_id=OuterRef("enrolment_id"),
                                                                 unit_id=OuterRef("unit_id"))))
             .order_by("enrolment__learner__last_name", "enrolment__learner__first_name", "enrolment_id",
                       "unit__position", "pk"))
    if show == "sampled":
        units = units.filter(_sampled_by_iqa())
    elif show == "signed_off":
        units = units.filter(locked_at__isnull=False)
    for word in search.split()[:4]:
        units = units.filter(Q(enrolment__learner__first_name__icontains=word)
                             | Q(enrolment__learner__last_name__icontains=word)
                             | Q(enrolment__learner__email__icontains=word) | Q(unit__code__icontains=word)
                             | Q(unit__title__icontains=word))
    result = Paginator(units, PICKER_PAGE_SIZE).get_page(page)
    rows = list(result.object_list)
    signers = User.objects.in_bulk({row.signer_id for row in rows if row.signer_id})
    for row in rows:
        row.assessor = signers.get(row.signer_id) or row.enrolment.assessor
    result.object_list = rows
    return result


def decision_assessor(enrolment_unit: EnrolmentUnit) -> User:
    """Whose decision a judgement is about: who signed the unit off, else the learner's assessor."""
    sign_off = (UnitSignOff.objects.filter(enrolment_unit=enrolment_unit, unlocked_at__isnull=True)
                .select_related("signed_off_by").order_by("-number").first())
    return sign_off.signed_off_by if sign_off else enrolment_unit.enrolment.assessor


# --- The centre's action list -------------------------------------------------------------------------------

def open_action_points(*, centre, owner: User | None = None,
                       today: datetime.date | None = None) -> list[EqaActionPoint]:
    """Open action points of the centre's signed reports (or of one owner's), overdue first, then by due date.
    One query."""
    today = today or timezone.localdate()
    points = (EqaActionPoint.objects.filter(centre=centre, status=EqaActionPoint.Status.OPEN)
              .exclude(report__status=EqaReport.Status.DRAFT)
              .select_related("owner", "report__author").order_by("due_date", "pk"))
    if owner is not None:
        points = points.filter(owner=owner)
    points = list(points)  # by due date, so the overdue come first
    for point in points:
        point.overdue = point.due_date < today
    return points


def recently_done_action_points(*, centre, owner: User | None = None, limit: int = 20) -> list[EqaActionPoint]:
    points = (EqaActionPoint.objects.filter(centre=centre, status=EqaActionPoint.Status.DONE)
              .select_related("owner", "done_by").order_by("-done_at", "-pk"))
    if owner is not None:
        points = points.filter(owner=owner)
    return list(points[:limit])
