"""Progress against time: the share of the planned time used against the share of the criteria achieved."""

import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import Round
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolios.enrolments.selectors import percent
from portfolios.models import Enrolment

from .base import Figure, Filters, Report, Result, register
from .measures import EARLY_BELOW, PROGRESS_BANDS, margin, progress_band, progress_band_q, with_time_and_progress

BUCKETS = {
    "early": gettext_lazy("Early (under 25 % of the time used)"),
    "on_track": gettext_lazy("On track"),
    "ahead": gettext_lazy("Ahead"),
    "off_track": gettext_lazy("Off track"),
}


def _counted(enrolments: QuerySet[Enrolment], filters: Filters, today: datetime.date) -> QuerySet[Enrolment]:
    return with_time_and_progress(filters.apply(enrolments).filter(status=Enrolment.Status.ACTIVE), today)


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    """Two queries: the count in each band, and the chart's points (learners at the same whole percentages
    share a point)."""
    counted = _counted(enrolments, filters, today)
    counts = counted.aggregate(**{band: Count("pk", filter=progress_band_q(band)) for band in PROGRESS_BANDS})
    points = [
        {"time_used": p["t"], "achieved": p["a"], "learners": p["n"], "band": progress_band(p["t"], p["a"])}
        for p in counted.values(t=Round("time_used"), a=Round("achieved")).annotate(n=Count("pk")).order_by("t", "a")
    ]
    total = sum(counts.values())
    m = margin()
    formulas = {
        "early": _("Active learners who have used less than %(early)s %% of their planned time (days since the "
                   "start ÷ days from the start to the planned end date). Too soon to judge, shown rather than "
                   "hidden.") % {"early": EARLY_BELOW},
        "on_track": _("Active learners, not early, whose achieved %% and time used %% are less than %(m)s points "
                      "apart.") % {"m": m},
        "ahead": _("Active learners, not early, whose achieved %% (criteria met ÷ criteria of their chosen units) "
                   "exceeds their time used %% by %(m)s points or more.") % {"m": m},
        "off_track": _("Active learners, not early, whose time used %% exceeds their achieved %% by %(m)s points "
                       "or more.") % {"m": m},
    }
    figures = [Figure("active", _("Active learners"), total, _("Enrolments with the status active."))]
    figures += [Figure(band, str(BUCKETS[band]), counts[band], formulas[band], bucket=band)
                for band in PROGRESS_BANDS]
    figures.append(Figure("off_track_share", _("Off track, share of active learners"),
                          percent(counts["off_track"], total),
                          _("Off track ÷ active learners × 100, rounded."), unit="%", bucket="off_track"))
    rows = [[str(BUCKETS[band]), counts[band], percent(counts[band], total)] for band in PROGRESS_BANDS]
    return Result(figures=figures, columns=[_("Band"), _("Learners"), _("% of active learners")], rows=rows,
                  charts={"progress": {"points": points, "margin": m, "early_below": EARLY_BELOW}})


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str,
          today: datetime.date) -> QuerySet[Enrolment]:
    if bucket not in BUCKETS:
        return enrolments.none()
    return _counted(enrolments, filters, today).filter(progress_band_q(bucket))


HOW_COUNTED = gettext_lazy(
    "For each active learner: time used % = days since the start ÷ days from the start to the planned end date "
    "(0 before the start, 100 after the planned end); achieved % = criteria met ÷ criteria of the units they "
    "are taking. Under 25 % of the time used the learner is early. Otherwise they are off track when time used "
    "exceeds achieved by the margin (LEAP_BEHIND_SCHEDULE_MARGIN, 10 points unless set) or more, ahead when "
    "achieved exceeds time used by the margin or more, and on track in between.")

REPORT = register(Report(slug="progress", title=gettext_lazy("Progress against time"), how_counted=HOW_COUNTED,
                         compute=compute, drill=drill, buckets=BUCKETS))
