"""Quality assurance: sampling plan completion, CAMERA coverage, IQA actions overdue, observations of practice
due, and the centre's open EQA action points by the rating of the report that raised them.

Queries: five, plus the CAMERA page's four per current sampling plan in view (a centre has a plan per
qualification, whatever the number of learners)."""

import datetime

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.external.reports.models import EqaActionPoint, EqaRating, EqaReport, Rag
from moderation.models import Observation, PlanItem, Sample, SampleAction, SamplingPlan
from moderation.plans.selectors import camera_coverage
from moderation.samples.selectors import item_samples
from portfolios.models import Enrolment

from .achievement import rate
from .base import Figure, Filters, Report, Result, register

DONE = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
NOT_CLOSED = (SampleAction.Status.OPEN, SampleAction.Status.DONE)
RATINGS = (Rag.RED, Rag.AMBER, Rag.GREEN, "")

BUCKETS = {
    "planned": gettext_lazy("Learners with an item in this cycle's sampling plans"),
    "not_sampled": gettext_lazy("Learners with a planned item not yet sampled (no signed sample)"),
    "open_actions": gettext_lazy("Learners with an IQA action not closed"),
    "overdue_actions": gettext_lazy("Learners with an IQA action past its due date"),
}


def _planned(today: datetime.date, **scope) -> QuerySet[PlanItem]:
    """Items (not removed) of current sampling plans whose cycle includes today, each with `done`: it has a signed
    sample (also one signed on the same learner, unit and kind of a plan this one replaced)."""
    return (PlanItem.objects.filter(plan__current=True, plan__cycle_start__lte=today, plan__cycle_end__gte=today,
                                    removed_at__isnull=True, **scope)
            .annotate(done=Exists(item_samples().filter(status__in=DONE))))


def _actions(**scope) -> QuerySet[SampleAction]:
    return SampleAction.objects.filter(status__in=NOT_CLOSED, **scope)


def _report_rating() -> Case:
    """A report's overall rating: the worst of its checklist ratings (red, then amber, then green; "" unrated)."""
    rated = {rag: Exists(EqaRating.objects.filter(report=OuterRef("report_id"), rating=rag))
             for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)}
    return Case(*(When(rated[rag], then=Value(rag.value)) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)),
                default=Value(""), output_field=CharField())


def _camera(enrolments: QuerySet[Enrolment], today: datetime.date) -> tuple[int, int, list]:
    plans = list(SamplingPlan.objects.filter(
        current=True, cycle_start__lte=today, cycle_end__gte=today,
        pk__in=PlanItem.objects.filter(enrolment__in=enrolments, removed_at__isnull=True).values("plan"))
        .select_related("strategy__qualification").order_by("strategy__qualification__code", "cycle_start"))
    covered = of = 0
    per_plan = []
    for plan in plans:
        dimensions = camera_coverage(plan=plan).dimensions
        plan_covered, plan_of = sum(d.covered for d in dimensions), sum(d.of for d in dimensions)
        covered, of = covered + plan_covered, of + plan_of
        per_plan.append((plan, rate(plan_covered, plan_of)))
    return covered, of, per_plan


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    enrolments = filters.apply(enrolments)
    by_plan = {row["plan"]: row for row in _planned(today, enrolment__in=enrolments).order_by().values("plan")
               .annotate(planned=Count("pk"), done=Count("pk", filter=Q(done=True)))}
    planned = sum(r["planned"] for r in by_plan.values())
    done = sum(r["done"] for r in by_plan.values())
    actions = _actions(sample__enrolment__in=enrolments).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(status=SampleAction.Status.OPEN, due_date__lt=today)))
    observations = Observation.objects.filter(
        status=Observation.Status.SCHEDULED, centre__in=enrolments.values("centre"),
        assessor__in=enrolments.values("assessor")).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(scheduled_for__lt=today)))
    eqa = dict(EqaActionPoint.objects.filter(
        status=EqaActionPoint.Status.OPEN, centre__in=enrolments.values("centre"),
        report__status__in=(EqaReport.Status.SIGNED, EqaReport.Status.ACKNOWLEDGED))
        .annotate(rating=_report_rating()).order_by().values("rating").annotate(n=Count("pk"))
        .values_list("rating", "n"))
    covered, of, per_plan = _camera(enrolments, today)
    names = {Rag.RED: _("red"), Rag.AMBER: _("amber"), Rag.GREEN: _("green"), "": _("not yet rated")}
    labels = {Rag.RED: _("Open EQA action points: red reports"), Rag.AMBER: _("Open EQA action points: amber reports"),
              Rag.GREEN: _("Open EQA action points: green reports"),
              "": _("Open EQA action points: reports not yet rated")}
    figures = [
        Figure("plan_completion", _("Sampling plan completion"), rate(done, planned),
               _("planned items with a signed sample ÷ planned items (items of this cycle's current sampling plans, "
                 "not removed)"), "%", "not_sampled"),
        Figure("camera_coverage", _("CAMERA coverage"), rate(covered, of),
               _("combinations covered ÷ combinations to cover, summed over the six CAMERA dimensions of each "
                 "current sampling plan with learners in view (as on the plan's CAMERA page)"), "%"),
        Figure("open_actions", _("IQA actions not closed"), actions["open"],
               _("IQA actions open, or done and awaiting the moderator"), bucket="open_actions"),
        Figure("overdue_actions", _("Overdue IQA actions"), actions["overdue"],
               _("IQA actions still open after their due date"), bucket="overdue_actions"),
        Figure("observations_due", _("Observations of practice due"), observations["due"],
               _("observations of the assessors in view scheduled and not yet recorded or cancelled")),
        Figure("observations_overdue", _("Observations of practice overdue"), observations["overdue"],
               _("scheduled observations whose day has passed")),
    ] + [
        Figure(f"eqa_actions_{rag or 'unrated'}", labels[rag], eqa.get(rag, 0),
               _("the centre's open action points of signed EQA reports whose overall rating (the worst of its "
                 "checklist ratings) is %(rating)s") % {"rating": names[rag]})
        for rag in RATINGS
    ]
    columns = [_("Sampling plan"), _("Cycle"), _("Planned items"), _("Sampled (signed)"), _("Completion %"),
               _("CAMERA coverage %")]
    rows = []
    for plan, camera in per_plan:
        counts = by_plan.get(plan.pk, {"planned": 0, "done": 0})
        rows.append([str(plan.strategy.qualification),
                     f"{date_format(plan.cycle_start, 'j M Y')} – {date_format(plan.cycle_end, 'j M Y')}",
                     counts["planned"], counts["done"], rate(counts["done"], counts["planned"]), camera])
    return Result(figures=figures, columns=columns, rows=rows)


def _bucket_q(today: datetime.date) -> dict[str, Q]:
    mine = {"enrolment": OuterRef("pk")}
    return {
        "planned": Q(Exists(_planned(today, **mine))),
        "not_sampled": Q(Exists(_planned(today, **mine).filter(done=False))),
        "open_actions": Q(Exists(_actions(sample__enrolment=OuterRef("pk")))),
        "overdue_actions": Q(Exists(_actions(sample__enrolment=OuterRef("pk")).filter(
            status=SampleAction.Status.OPEN, due_date__lt=today))),
    }


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str, today: datetime.date
          ) -> QuerySet[Enrolment]:
    """The enrolments behind a bucket; raises KeyError for an unknown bucket."""
    return filters.apply(enrolments).filter(_bucket_q(today)[bucket])


REPORT = register(Report(
    slug="quality",
    title=gettext_lazy("Quality assurance"),
    how_counted=gettext_lazy(
        "Sampling plan completion = planned items with a signed sample ÷ planned items, over the items (not "
        "removed) of the current sampling plans whose cycle includes today, for the learners in view; a sample "
        "signed on the same learner, unit and kind in a plan this one replaced counts. CAMERA coverage = the "
        "combinations covered ÷ the combinations to cover, summed over the six CAMERA dimensions (candidates, "
        "assessors, methods, elements, records, assessment locations) of each of those plans, exactly as each "
        "plan's CAMERA page counts them: a plan counts whole when any of its learners is in view. IQA actions "
        "not closed = open, or done and awaiting the moderator; overdue = still open after the due date. "
        "Observations of practice due = scheduled observations of the assessors in view; overdue = scheduled "
        "for a day that has passed. Open EQA action points are the centre's, counted by the overall rating of "
        "the signed report that raised them (the worst of its checklist ratings), not narrowed by the filters. "
        "A rate with nothing to divide by shows as —."),
    compute=compute,
    drill=drill,
    buckets=BUCKETS,
))
