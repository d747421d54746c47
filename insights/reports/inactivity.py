"""Inactivity: active learners with no evidence and no decision for 28 days, and those who never started."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolios.enrolments.selectors import percent
from portfolios.models import Enrolment

from .base import Figure, Filters, Report, Result, register
from .measures import INACTIVE_DAYS, inactive_q, never_started_q, started_by, window_start, with_activity

BUCKETS = {
    "inactive": gettext_lazy("Inactive for 28 days"),
    "never_started": gettext_lazy("Never started"),
}
WEEKS = 12  # the chart over time: the last 12 week ends, today included


def week_ends(today: datetime.date) -> list[datetime.date]:
    return [today - datetime.timedelta(weeks=k) for k in reversed(range(WEEKS))]


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    """One query: each learner's activity in the 28 days up to each of the 12 week ends (the last is today),
    grouped in one pass over their evidence and decisions; then conditional counts of those."""
    counted = filters.apply(enrolments).filter(status=Enrolment.Status.ACTIVE)
    ends = week_ends(today)
    recent = f"week{len(ends) - 1}"
    activity = with_activity(counted, {f"week{i}": day for i, day in enumerate(ends)}, today)
    counts = activity.aggregate(
        active=Count("pk"), inactive=Count("pk", filter=Q(submissions__gt=0, **{recent: 0})),
        never_started=Count("pk", filter=started_by(today) & Q(submissions=0)),
        **{f"at{i}": Count("pk", filter=started_by(day) & Q(**{f"week{i}": 0})) for i, day in enumerate(ends)})
    quiet = counts["inactive"] + counts["never_started"]
    since = date_format(window_start(today), "j M Y")
    figures = [
        Figure("active", _("Active learners"), counts["active"], _("Enrolments with the status active.")),
        Figure("inactive", str(BUCKETS["inactive"]), counts["inactive"],
               _("Active learners who have submitted evidence before, but have submitted none and had no "
                 "decision on it since %(since)s (the last %(days)s days, today included).")
               % {"since": since, "days": INACTIVE_DAYS}, bucket="inactive"),
        Figure("never_started", str(BUCKETS["never_started"]), counts["never_started"],
               _("Active learners who started %(days)s days ago or more and have never submitted evidence.")
               % {"days": INACTIVE_DAYS}, bucket="never_started"),
        Figure("inactive_share", _("Inactive or never started, share of active learners"),
               percent(quiet, counts["active"]),
               _("(Inactive + never started) ÷ active learners × 100, rounded."), unit="%"),
    ]
    weeks = [{"week_ending": day, "learners": counts[f"at{i}"]} for i, day in enumerate(ends)]
    return Result(figures=figures, columns=[_("Week ending"), _("Learners inactive or never started")],
                  rows=[[date_format(w["week_ending"], "j M Y"), w["learners"]] for w in weeks],
                  charts={"inactivity": {"weeks": weeks}})


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str,
          today: datetime.date) -> QuerySet[Enrolment]:
    if bucket not in BUCKETS:
        return enrolments.none()
    return filters.apply(enrolments).filter((inactive_q if bucket == "inactive" else never_started_q)(today))


HOW_COUNTED = gettext_lazy(
    "Active learners only (on break, completed and withdrawn learners are not expected to be active). A learner "
    "is inactive when they have submitted evidence before but, in the last 28 days (today included), submitted "
    "no evidence (no new item and no resubmission) and had no assessment decision; they never started when they "
    "started 28 days ago or more and have never submitted evidence. The chart counts, at the end of each of the "
    "last 12 weeks, today's active learners who had then started 28 days before or more and had no evidence and "
    "no decision in the 28 days up to it.")

REPORT = register(Report(slug="inactivity", title=gettext_lazy("Inactivity"), how_counted=HOW_COUNTED,
                         compute=compute, drill=drill, buckets=BUCKETS))
