"""Achievement: completed, withdrawn and in learning by cohort (start month), the achievement, timely and
retention rates, and a best / expected / worst forecast for the learners still in learning. Two queries (the
units' criteria counts, then everything else in one aggregate)."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolios.models import Enrolment

from .base import Figure, Filters, Report, Result, register
from .days import DayNumber, local_day
from .measures import progress_band_q, with_time_and_progress

TIMELY_DAYS = 90

IN_LEARNING = Q(status__in=(Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK))
COMPLETED = Q(status=Enrolment.Status.COMPLETED)
WITHDRAWN = Q(status=Enrolment.Status.WITHDRAWN)
TIMELY = COMPLETED & Q(completed_day__lte=F("end_day") + TIMELY_DAYS)

BUCKETS = {
    "completed": gettext_lazy("Completed"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "in_learning": gettext_lazy("In learning (active or on a break)"),
    "timely": gettext_lazy("Completed on time (no later than the planned end + 90 days)"),
    "late": gettext_lazy("Completed later than the planned end + 90 days"),
    "on_course": gettext_lazy("In learning and not off track"),
    "off_track": gettext_lazy("In learning and off track"),
}


def _bucket_q() -> dict[str, Q]:
    return {"completed": COMPLETED, "withdrawn": WITHDRAWN, "in_learning": IN_LEARNING, "timely": TIMELY,
            "late": COMPLETED & ~TIMELY, "on_course": IN_LEARNING & ~progress_band_q("off_track"),
            "off_track": IN_LEARNING & progress_band_q("off_track")}


def _annotated(enrolments: QuerySet[Enrolment], filters: Filters, today: datetime.date) -> QuerySet[Enrolment]:
    return with_time_and_progress(filters.apply(enrolments), today).annotate(
        completed_day=local_day("completed_at"), end_day=DayNumber(F("planned_end_date")))


def rate(part: int, whole: int) -> int | None:
    """part ÷ whole as a whole percentage; None (shown as "—") when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


def _rates(c: dict) -> dict:
    decided = c["completed"] + c["withdrawn"]
    all_leaving = decided + c["in_learning"]
    return {"achievement": rate(c["completed"], decided), "timely_rate": rate(c["timely"], decided),
            "retention": rate(c["started"] - c["withdrawn"], c["started"]),
            "best": rate(c["completed"] + c["in_learning"], all_leaving),
            "expected": rate(c["completed"] + c["on_course"], all_leaving),
            "worst": rate(c["completed"], all_leaving)}


COUNTS = ("started", "completed", "withdrawn", "in_learning", "timely", "on_course")


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    q = _bucket_q()
    by_cohort = list(
        _annotated(enrolments, filters, today).order_by().values(month=TruncMonth("start_date")).annotate(
            started=Count("pk"), **{name: Count("pk", filter=q[name]) for name in COUNTS[1:]})
        .order_by("month"))
    totals = {name: sum(row[name] for row in by_cohort) for name in COUNTS}
    overall = _rates(totals)
    rows, chart = [], []
    for row in by_cohort:
        label = date_format(row["month"], "M Y")
        r = _rates(row)
        rows.append([label, row["started"], row["completed"], row["withdrawn"], row["in_learning"],
                     r["achievement"], r["timely_rate"], r["retention"], r["best"], r["expected"], r["worst"]])
        chart.append({"cohort": f"{row['month']:%Y-%m}", "label": label, "completed": row["completed"],
                      "withdrawn": row["withdrawn"], "in_learning": row["in_learning"]})
    figures = [
        Figure("in_learning", _("In learning"), totals["in_learning"],
               _("enrolments active or on a break"), bucket="in_learning"),
        Figure("completed", _("Completed"), totals["completed"], _("enrolments completed"),
               bucket="completed"),
        Figure("withdrawn", _("Withdrawn"), totals["withdrawn"], _("enrolments withdrawn"),
               bucket="withdrawn"),
        Figure("achievement_rate", _("Achievement rate"), overall["achievement"],
               _("completed ÷ (completed + withdrawn)"), "%", "completed"),
        Figure("timely_rate", _("Timely achievement rate"), overall["timely_rate"],
               _("completed no later than the planned end date + 90 days ÷ (completed + withdrawn)"), "%",
               "timely"),
        Figure("retention", _("Retention"), overall["retention"],
               _("(enrolments − withdrawn) ÷ enrolments"), "%", "withdrawn"),
        Figure("forecast_best", _("Forecast: best"), overall["best"],
               _("(completed + every learner in learning) ÷ (completed + withdrawn + in learning)"), "%",
               "in_learning"),
        Figure("forecast_expected", _("Forecast: expected"), overall["expected"],
               _("(completed + learners in learning who are not off track) ÷ (completed + withdrawn + in "
                 "learning)"), "%", "on_course"),
        Figure("forecast_worst", _("Forecast: worst"), overall["worst"],
               _("completed ÷ (completed + withdrawn + in learning): nobody still in learning completes"), "%",
               "in_learning"),
        Figure("off_track", _("In learning, off track"), totals["in_learning"] - totals["on_course"],
               _("in learning − in learning and not off track: what the expected forecast counts as not completing"),
               bucket="off_track"),
    ]
    columns = [_("Cohort"), _("Enrolments"), _("Completed"), _("Withdrawn"), _("In learning"),
               _("Achievement rate %"), _("Timely %"), _("Retention %"), _("Forecast best %"),
               _("Forecast expected %"), _("Forecast worst %")]
    return Result(figures=figures, columns=columns, rows=rows, charts={"achievement_by_cohort": chart})


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str, today: datetime.date
          ) -> QuerySet[Enrolment]:
    """The enrolments behind a bucket. A plain queryset of enrolments (no annotations), so a page may annotate
    its own. Raises KeyError for an unknown bucket."""
    chosen = _annotated(enrolments, filters, today).filter(_bucket_q()[bucket]).values("pk")
    return Enrolment.objects.filter(pk__in=chosen)


REPORT = register(Report(
    slug="achievement",
    title=gettext_lazy("Achievement"),
    how_counted=gettext_lazy(
        "Enrolments are grouped by cohort, the month they started. Completed, withdrawn and in learning (active or "
        "on a break) count enrolments by their status now. Achievement rate = completed ÷ (completed + withdrawn). "
        "Timely achievement rate = enrolments completed no later than their planned end date + 90 days ÷ "
        "(completed + withdrawn). Retention = (enrolments − withdrawn) ÷ enrolments. The forecast counts the "
        "learners still in learning three ways, each ÷ (completed + withdrawn + in learning): best, every one "
        "completes; expected, those not off track complete (off track: the share of the planned time used exceeds "
        "the share of criteria met by 10 points or more, once a quarter of the time is used); worst, none "
        "completes. A rate with nothing to divide by shows as —."),
    compute=compute,
    drill=drill,
    buckets=BUCKETS,
))
