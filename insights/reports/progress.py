"""Progress against time: the share of the planned time used against the share of the criteria achieved."""

import datetime
from collections import Counter

from django.db.models import QuerySet
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
    """Two queries: the units' criteria counts, then each active learner's time used and achieved, two numbers a
    learner computed once each in the database. The bands are counted from those numbers with the rule the
    drill-down's query applies (`progress_band`, the same comparisons), and the chart's points group learners at the
    same whole percentages. Counting in the database instead would compute every learner's achieved % once per
    band, which is what took seconds at 10,000 learners."""
    m = margin()
    counts = dict.fromkeys(PROGRESS_BANDS, 0)
    spots: Counter[tuple[int, int]] = Counter()
    for time_used, achieved in _counted(enrolments, filters, today).order_by().values_list("time_used", "achieved"):
        counts[progress_band(time_used, achieved, m)] += 1
        spots[round(time_used), round(achieved)] += 1
    points = [{"time_used": t, "achieved": a, "learners": n, "band": progress_band(t, a, m)}
              for (t, a), n in sorted(spots.items())]
    total = sum(counts.values())
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
