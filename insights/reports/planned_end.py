"""Planned end date: learners still in learning, by how near (or how far past) their planned end date is."""

import datetime

from django.db.models import Count, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolios.models import Enrolment

from .base import Figure, Filters, Report, Result, register
from .measures import DUE_SOON_DAYS, END_BANDS, IN_LEARNING, LATE_AFTER_DAYS, end_band_q

BUCKETS = {
    "due_soon": gettext_lazy("Due within 8 weeks"),
    "later": gettext_lazy("Due in more than 8 weeks"),
    "overdue": gettext_lazy("Overdue up to 4 weeks"),
    "late": gettext_lazy("Late, more than 4 weeks"),
}


def _counted(enrolments: QuerySet[Enrolment], filters: Filters) -> QuerySet[Enrolment]:
    return filters.apply(enrolments).filter(status__in=IN_LEARNING)


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    """One query: each qualification's count in each band; the totals are their sums."""
    by_qualification = list(
        _counted(enrolments, filters).order_by()
        .values("version__qualification_id", "version__qualification__code")
        .annotate(**{band: Count("pk", filter=end_band_q(band, today)) for band in END_BANDS})
        .order_by("version__qualification__code"))
    totals = {band: sum(q[band] for q in by_qualification) for band in END_BANDS}

    def day(offset: int) -> str:
        return date_format(today + datetime.timedelta(days=offset), "j M Y")

    formulas = {
        "due_soon": _("Learners in learning (active or on break) whose planned end date is between today and "
                      "%(soon)s (8 weeks), both included.") % {"soon": day(DUE_SOON_DAYS)},
        "later": _("Learners in learning whose planned end date is after %(soon)s.") % {"soon": day(DUE_SOON_DAYS)},
        "overdue": _("Learners in learning whose planned end date is before today and on or after %(late)s "
                     "(up to 4 weeks ago).") % {"late": day(-LATE_AFTER_DAYS)},
        "late": _("Learners in learning whose planned end date is before %(late)s (more than 4 weeks ago).")
        % {"late": day(-LATE_AFTER_DAYS)},
    }
    total = sum(totals.values())
    figures = [Figure("in_learning", _("Learners in learning"), total,
                      _("Enrolments active or on break; the four bands below add up to it."))]
    figures += [Figure(band, str(BUCKETS[band]), totals[band], formulas[band], bucket=band) for band in END_BANDS]
    figures.append(Figure("no_end_date", _("No planned end date"), 0,
                          _("Every enrolment is given a planned end date when the learner is enrolled, so none is "
                            "without one. Learners not yet enrolled are on the caseload page.")))
    rows = [[q["version__qualification__code"], *(q[band] for band in END_BANDS)] for q in by_qualification]
    rows.append([_("All qualifications"), *(totals[band] for band in END_BANDS)])
    return Result(figures=figures, columns=[_("Qualification"), *(str(BUCKETS[b]) for b in END_BANDS)], rows=rows,
                  charts={"planned_end": {"bands": [{"band": b, "label": str(BUCKETS[b]), "learners": totals[b]}
                                                    for b in END_BANDS]}})


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str,
          today: datetime.date) -> QuerySet[Enrolment]:
    if bucket not in BUCKETS:
        return enrolments.none()
    return _counted(enrolments, filters).filter(end_band_q(bucket, today))


HOW_COUNTED = gettext_lazy(
    "Learners in learning (enrolments active or on break), by their planned end date: due within 8 weeks "
    "(today up to 56 days ahead), due later, overdue (passed by 1 to 28 days) and late (passed by more than 28 "
    "days). Completed and withdrawn learners are not counted.")

REPORT = register(Report(slug="planned_end", title=gettext_lazy("Planned end date"), how_counted=HOW_COUNTED,
                         compute=compute, drill=drill, buckets=BUCKETS))
