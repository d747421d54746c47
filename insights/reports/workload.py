"""Assessor workload and timeliness: caseload, items waiting, turnaround from submission to decision in working
days (median, 90th percentile, share within 5 and within 10), resubmission rate, countersigning backlog, IQA
disagreement rate and overdue IQA actions, per assessor and in all. Seven queries."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from assessment.models import Review
from moderation.models import Sample, SampleAction
from portfolios.models import Enrolment, Evidence

from .achievement import rate
from .base import Figure, Filters, Report, Result, register
from .days import local_day, working_days

WINDOW_DAYS = 90
QUICK, SLOW = 5, 10
SIGNED = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
DISAGREE = (Sample.Outcome.DISAGREE_ACT, Sample.Outcome.DISAGREE_OVERTURN)
# Bins of the turnaround chart, in working days: (label, lowest, highest or None).
BINS = (("0–1", None, 1), ("2–5", 2, 5), ("6–10", 6, 10), ("11+", 11, None))

BUCKETS = {
    "caseload": gettext_lazy("Active enrolments"),
    "waiting": gettext_lazy("Learners with evidence waiting for a decision"),
    "slow": gettext_lazy("Learners with a decision that took more than 10 working days (last 90 days)"),
    "returned": gettext_lazy("Learners with work returned for resubmission (last 90 days)"),
    "countersign": gettext_lazy("Learners with decisions awaiting a countersignature"),
    "disagreed": gettext_lazy("Learners with a signed IQA sample that disagreed with the assessor"),
    "overdue_actions": gettext_lazy("Learners with an IQA action past its due date"),
}


def _window(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the 90 days up to and including today, and the first moment after today."""
    first = today - datetime.timedelta(days=WINDOW_DAYS - 1)
    return (timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
            timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)))


def _reviews(today: datetime.date, **scope) -> QuerySet[Review]:
    """Decisions made in the window, each with `took`: working days from submission to decision."""
    since, until = _window(today)
    return (Review.objects.filter(decided_at__gte=since, decided_at__lt=until, **scope)
            .annotate(took=working_days(local_day("submission__submitted_at"), local_day("decided_at"))))


AWAITING_COUNTERSIGN = Q(decided_at__isnull=False, needs_countersign=True, countersigned_at__isnull=True)


def _waiting_evidence(**scope) -> QuerySet[Evidence]:
    return Evidence.objects.filter(status=Evidence.Status.SUBMITTED, **scope).exclude(
        enrolment__status=Enrolment.Status.WITHDRAWN)


def percentile(histogram: dict[int, int], p: int) -> int | None:
    """The p-th percentile by nearest rank of the values counted in `histogram` ({value: how many}): the
    ceil(p × n ÷ 100)-th smallest. None when there are none."""
    n = sum(histogram.values())
    if not n:
        return None
    rank, seen = (p * n + 99) // 100, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def _turnarounds(enrolments: QuerySet[Enrolment], today: datetime.date) -> dict[int, dict]:
    """Per assessor, the decisions of the window counted by turnaround: the database groups them by (assessor,
    working days taken), a few dozen rows per assessor, from which every turnaround figure is read exactly."""
    by_assessor: dict[int, dict] = {}
    for assessor, took, n, returned in (
            _reviews(today, submission__evidence__enrolment__in=enrolments).order_by().values("assessor", "took")
            .annotate(n=Count("pk"), returned=Count("pk", filter=Q(outcome=Review.Outcome.RETURNED)))
            .values_list("assessor", "took", "n", "returned")):
        row = by_assessor.setdefault(assessor, {"histogram": {}, "returned": 0})
        row["histogram"][took] = row["histogram"].get(took, 0) + n
        row["returned"] += returned
    return by_assessor


def _timeliness(histogram: dict[int, int]) -> dict:
    return {"decided": sum(histogram.values()),
            "quick": sum(n for took, n in histogram.items() if took <= QUICK),
            "within_slow": sum(n for took, n in histogram.items() if took <= SLOW),
            "median": percentile(histogram, 50), "p90": percentile(histogram, 90),
            "bins": [(label, sum(n for took, n in histogram.items() if (low is None or low <= took)
                                 and (high is None or took <= high))) for label, low, high in BINS]}


def _per_assessor(enrolments: QuerySet[Enrolment], today: datetime.date) -> dict[int, dict]:
    rows: dict[int, dict] = {}

    def add(assessor_id, values):
        rows.setdefault(assessor_id, {}).update(values)

    for row in enrolments.order_by().values("assessor").annotate(
            caseload=Count("pk", filter=Q(status=Enrolment.Status.ACTIVE))):
        add(row.pop("assessor"), row)
    for row in _waiting_evidence(enrolment__in=enrolments).order_by().values("enrolment__assessor").annotate(
            waiting=Count("pk")):
        add(row.pop("enrolment__assessor"), row)
    for assessor, row in _turnarounds(enrolments, today).items():
        add(assessor, {**row, **_timeliness(row["histogram"])})
    for row in Review.objects.filter(AWAITING_COUNTERSIGN, submission__evidence__enrolment__in=enrolments).order_by(
            ).values("assessor").annotate(countersign=Count("pk")):
        add(row.pop("assessor"), row)
    for row in Sample.objects.filter(enrolment__in=enrolments, status__in=SIGNED).order_by().values(
            "assessor").annotate(samples=Count("pk"), disagreed=Count("pk", filter=Q(outcome__in=DISAGREE))):
        add(row.pop("assessor"), row)
    for row in SampleAction.objects.filter(sample__enrolment__in=enrolments, status=SampleAction.Status.OPEN,
                                           due_date__lt=today).order_by().values("sample__assessor").annotate(
            overdue_actions=Count("pk")):
        add(row.pop("sample__assessor"), row)
    return rows


COUNTS = ("caseload", "waiting", "decided", "quick", "within_slow", "returned", "countersign", "samples",
          "disagreed", "overdue_actions")


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    enrolments = filters.apply(enrolments)
    per_assessor = _per_assessor(enrolments, today)
    overall: dict[int, int] = {}
    for row in per_assessor.values():
        for took, n in row.get("histogram", {}).items():
            overall[took] = overall.get(took, 0) + n
    people = User.objects.in_bulk(list(per_assessor))
    totals = {name: sum(row.get(name, 0) for row in per_assessor.values()) for name in COUNTS}
    rows, chart = [], []
    for assessor_id, row in sorted(per_assessor.items(),
                                   key=lambda kv: (people[kv[0]].display_name.casefold(), kv[0])):
        name, get = people[assessor_id].display_name, row.get
        rows.append([name, get("caseload", 0), get("waiting", 0), get("decided", 0), get("median"), get("p90"),
                     rate(get("quick", 0), get("decided", 0)), rate(get("within_slow", 0), get("decided", 0)),
                     rate(get("returned", 0), get("decided", 0)), get("countersign", 0), get("samples", 0),
                     rate(get("disagreed", 0), get("samples", 0)), get("overdue_actions", 0)])
        if get("decided"):
            chart.append({"assessor": name, "median": row["median"], "p90": row["p90"],
                          "bins": [{"label": label, "count": n} for label, n in row["bins"]]})
    decided = totals["decided"]
    figures = [
        Figure("caseload", _("Active caseload"), totals["caseload"], _("enrolments active now"), bucket="caseload"),
        Figure("waiting", _("Items waiting"), totals["waiting"],
               _("evidence submitted and not yet decided (withdrawn learners left out)"), bucket="waiting"),
        Figure("turnaround_median", _("Median turnaround"), percentile(overall, 50),
               _("the middle turnaround of the decisions of the last 90 days (nearest rank: the ⌈n ÷ 2⌉-th, "
                 "shortest first); turnaround = working days (Monday to Friday) from submission to decision"),
               _("working days")),
        Figure("turnaround_p90", _("90th percentile turnaround"), percentile(overall, 90),
               _("the ⌈0.9 × n⌉-th shortest turnaround of the decisions of the last 90 days"), _("working days"),
               "slow"),
        Figure("within_5", _("Decided within 5 working days"), rate(totals["quick"], decided),
               _("decisions of the last 90 days taking 5 working days or fewer ÷ decisions of the last 90 days"), "%"),
        Figure("within_10", _("Decided within 10 working days"), rate(totals["within_slow"], decided),
               _("decisions of the last 90 days taking 10 working days or fewer ÷ decisions of the last 90 days"),
               "%", "slow"),
        Figure("resubmission_rate", _("Resubmission rate"), rate(totals["returned"], decided),
               _("decisions of the last 90 days returning the work for resubmission ÷ decisions of the last 90 days"),
               "%", "returned"),
        Figure("countersign_backlog", _("Awaiting countersignature"), totals["countersign"],
               _("decisions of assessors not yet qualified that no qualified assessor has countersigned yet"),
               bucket="countersign"),
        Figure("iqa_disagreement_rate", _("IQA disagreement rate"), rate(totals["disagreed"], totals["samples"]),
               _("signed IQA samples that disagreed (assessor to act, or decision overturned) ÷ signed IQA samples"),
               "%", "disagreed"),
        Figure("overdue_iqa_actions", _("Overdue IQA actions"), totals["overdue_actions"],
               _("IQA actions still open after their due date"), bucket="overdue_actions"),
    ]
    columns = [_("Assessor"), _("Active caseload"), _("Items waiting"), _("Decisions (90 days)"),
               _("Median turnaround (working days)"), _("90th percentile (working days)"), _("Within 5 days %"),
               _("Within 10 days %"), _("Resubmission rate %"), _("Awaiting countersignature"),
               _("IQA samples signed"), _("IQA disagreement rate %"), _("Overdue IQA actions")]
    return Result(figures=figures, columns=columns, rows=rows, charts={"turnaround_by_assessor": chart})


def _bucket_q(today: datetime.date) -> dict[str, Q]:
    mine = {"submission__evidence__enrolment": OuterRef("pk")}
    return {
        "caseload": Q(status=Enrolment.Status.ACTIVE),
        "waiting": Exists(_waiting_evidence(enrolment=OuterRef("pk"))),
        "slow": Exists(_reviews(today, **mine).filter(took__gt=SLOW)),
        "returned": Exists(_reviews(today, **mine).filter(outcome=Review.Outcome.RETURNED)),
        "countersign": Exists(Review.objects.filter(AWAITING_COUNTERSIGN, **mine)),
        "disagreed": Exists(Sample.objects.filter(enrolment=OuterRef("pk"), status__in=SIGNED, outcome__in=DISAGREE)),
        "overdue_actions": Exists(SampleAction.objects.filter(sample__enrolment=OuterRef("pk"),
                                                              status=SampleAction.Status.OPEN, due_date__lt=today)),
    }


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str, today: datetime.date
          ) -> QuerySet[Enrolment]:
    """The enrolments behind a bucket; raises KeyError for an unknown bucket."""
    return filters.apply(enrolments).filter(_bucket_q(today)[bucket])


REPORT = register(Report(
    slug="workload",
    title=gettext_lazy("Assessor workload and timeliness"),
    how_counted=gettext_lazy(
        "Per assessor and in all. Active caseload = enrolments active now, by their assessor. Items waiting = "
        "evidence submitted and not yet decided (withdrawn learners left out). Turnaround = working days (Monday "
        "to Friday; public holidays are not known) from the day a revision was submitted to the day it was "
        "decided: submitted on a Friday and decided the next Monday is 1; the same day is 0. Turnaround figures "
        "count the decisions of the last 90 days, by the assessor who decided: the median is the ⌈n ÷ 2⌉-th "
        "shortest, the 90th percentile the ⌈0.9 × n⌉-th; within 5 (10) days = decisions taking 5 (10) working "
        "days or fewer ÷ decisions. Resubmission rate = decisions returning the work for resubmission ÷ "
        "decisions. Awaiting countersignature = decisions of assessors not yet qualified that nobody has "
        "countersigned yet. IQA disagreement rate = signed IQA samples disagreeing with the assessor (assessor "
        "to act, or decision overturned) ÷ signed IQA samples, by the assessor sampled. Overdue IQA actions = "
        "actions still open after their due date. A rate with nothing to divide by shows as —."),
    compute=compute,
    drill=drill,
    buckets=BUCKETS,
))
