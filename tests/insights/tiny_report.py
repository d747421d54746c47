"""A tiny report built on the report contract alone, so the pages, exports and charts are tested whatever the
real reports count: learners, active learners, the active share, one row per learner, one bar chart."""

import datetime

import pytest
from django.db.models import Count, Q, QuerySet

from insights.reports.base import CATALOGUE, Figure, Filters, Report, Result
from portfolios.models import Enrolment

ACTIVE = Q(status=Enrolment.Status.ACTIVE)


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    chosen = filters.apply(enrolments)
    counts = chosen.aggregate(total=Count("pk"), active=Count("pk", filter=ACTIVE))
    share = round(100 * counts["active"] / counts["total"]) if counts["total"] else None
    rows = [[first, status] for first, status in chosen.order_by("learner__first_name", "pk")
            .values_list("learner__first_name", "status")]
    return Result(
        figures=[Figure("learners", "Learners", counts["total"], "every enrolment", bucket="all"),
                 Figure("active", "Active", counts["active"], "enrolments with the status active", bucket="active"),
                 Figure("share", "Active share", share, "active ÷ learners", unit="%")],
        columns=["Learner", "Status"], rows=rows,
        charts={"tiny_bars": {"series": ["Active", "Other"], "label_heading": "Group",
                              "rows": [{"label": "All", "values": [counts["active"],
                                                                    counts["total"] - counts["active"]]}]}})


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str, today: datetime.date):
    chosen = filters.apply(enrolments)
    return chosen.filter(ACTIVE) if bucket == "active" else chosen


TINY = Report(slug="tiny", title="Tiny report", how_counted="Counts enrolments, nothing more.", compute=compute,
              drill=drill, buckets={"all": "Every learner", "active": "Active learners"})


@pytest.fixture
def tiny_report():
    CATALOGUE["tiny"] = TINY
    yield TINY
    del CATALOGUE["tiny"]
