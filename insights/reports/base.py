"""What every report is made of: filters, figures with their formulas, drill-down buckets, table rows, charts.

A report is a function `compute(enrolments, filters, today) -> Result` over enrolments already scoped to the
reader (`insights.scope.enrolments_for`) and a function `drill(enrolments, filters, bucket, today)` giving the
enrolments behind one figure (the learner rows that make it up). Both run a fixed number of queries.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, QuerySet

from portfolios.models import Enrolment, Evidence


@dataclass(frozen=True)
class Filters:
    """What every report can be narrowed by. `cohort` is a start month (its first day)."""

    qualification: int | None = None
    cohort: datetime.date | None = None
    assessor: int | None = None
    location: str = ""
    status: str = ""

    def apply(self, enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
        if self.qualification:
            enrolments = enrolments.filter(version__qualification_id=self.qualification)
        if self.cohort:
            enrolments = enrolments.filter(start_date__year=self.cohort.year, start_date__month=self.cohort.month)
        if self.assessor:
            enrolments = enrolments.filter(assessor_id=self.assessor)
        if self.location:
            enrolments = enrolments.filter(location_q(self.location))
        if self.status:
            enrolments = enrolments.filter(status=self.status)
        return enrolments

    def params(self, **extra) -> str:
        """The query string that keeps these filters (for drill-down links and exports)."""
        values = {"qualification": self.qualification or "", "cohort": f"{self.cohort:%Y-%m}" if self.cohort else "",
                  "assessor": self.assessor or "", "location": self.location, "status": self.status, **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def location_q(location: str) -> Exists:
    """Enrolments with submitted evidence gathered at `location` (the place of the activity the learner gives,
    as the IQA plan's coverage reads it), case and spaces folded."""
    place = " ".join(location.split())
    return Exists(Evidence.objects.filter(enrolment=OuterRef("pk"), activity_place__iexact=place)
                  .exclude(status=Evidence.Status.DRAFT))


@dataclass(frozen=True)
class Figure:
    """One number on a report. `bucket` names the drill-down (None: the figure has no learner rows)."""

    key: str
    label: str
    value: float | int | None
    formula: str
    unit: str = ""  # "%", "days", "" for a count
    bucket: str | None = None


@dataclass
class Result:
    figures: list[Figure]
    # The table under the figures (and under each chart, for screen readers): column headings and rows.
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    # Chart data, by chart name; the page renders them as SVG (see insights/charts.py).
    charts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    how_counted: str  # the "how this is counted" paragraph on the page and in the README
    compute: Callable[..., Result]
    drill: Callable[..., QuerySet[Enrolment]]
    buckets: dict[str, str] = field(default_factory=dict)  # bucket -> its label on the drill-down page


CATALOGUE: dict[str, Report] = {}


def register(report: Report) -> Report:
    CATALOGUE[report.slug] = report
    return report
