"""The headline figures of the home page and the weekly digest: a few figures of the reports, each linking to its
learners (or to its report), with the report's own formula.

A centre admin sees the centre's; an assessor the same figures over their own caseload; a moderator the quality
assurance figures. A figure whose report is not in the catalogue is left out.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.request_cache import Fetched
from centres.models import Role
from portfolios.models import Enrolment

from .exports import figure_parts, figure_text
from .reports import catalogue  # noqa: F401 — registers every report
from .reports.base import CATALOGUE, Filters
from .scope import enrolments_for

THIS_YEAR = "this_year"  # the figure is of the enrolments whose planned end falls in this academic year

# (report slug, figure key, variant): the order they are shown in.
LEARNING = (("achievement", "in_learning", None), ("progress", "off_track", None), ("planned_end", "late", None),
            ("achievement", "achievement_rate", THIS_YEAR), ("workload", "waiting", None),
            ("workload", "turnaround_median", None))
QUALITY = (("quality", "plan_completion", None), ("quality", "camera_coverage", None),
           ("quality", "overdue_actions", None), ("quality", "observations_due", None))


@dataclass(frozen=True)
class Headline:
    label: str
    text: str
    formula: str
    url: str
    value: str = ""  # the text in two parts, for the page: the number and its unit in words
    unit: str = ""
    to_learners: bool = False  # the link opens the learners behind the figure, not the report

    @property
    def parts(self) -> tuple[str, str]:
        return self.value or self.text, self.unit


def academic_year(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """1 August to 31 July, the cycle the centres plan by (the year containing `today`)."""
    start = datetime.date(today.year - (today.month < 8), 8, 1)
    return start, datetime.date(start.year + 1, 7, 31)


def headlines_for(request: HttpRequest) -> list[Headline]:
    leap = request.leap
    if leap.has(Role.CENTRE_ADMIN):
        wanted = LEARNING
    elif leap.has(Role.MODERATOR):
        wanted = QUALITY
    elif leap.has(Role.ASSESSOR):
        wanted = LEARNING
    else:
        return []
    return headlines(enrolments_for(request), wanted=wanted, today=timezone.localdate())


# A centre admin's home shows figures of six reports over the whole centre: at 10,000 learners they take seconds to
# work out, and the home is opened all day. They are kept this long, and the page then says when they were worked out.
RECENT_SECONDS = 5 * 60


class RecentHeadlines(list):
    """Headlines worked out at `computed_at`; `cached` when that was before this request."""

    minutes = RECENT_SECONDS // 60

    def __init__(self, headlines: list[Headline], computed_at: datetime.datetime, cached: bool = False):
        super().__init__(headlines)
        self.computed_at, self.cached = computed_at, cached

    def __reduce__(self):  # read back from the cache: worked out by an earlier request
        return RecentHeadlines, (list(self), self.computed_at, True)


def recent_headlines_key(scope: str, *, wanted, today: datetime.date) -> str:
    """Where `recent_headlines` keeps the figures of `scope` (whose enrolments: a name for them, or their query)."""
    digest = hashlib.sha256(f"{scope}|{wanted}|{today}|{get_language()}".encode()).hexdigest()
    return f"insights:headlines:v1:{digest}"


def recent_headlines(enrolments: QuerySet[Enrolment], *, wanted, today: datetime.date, scope: str = "",
                     fetched: Fetched | None = None) -> RecentHeadlines:
    """`headlines()`, kept for RECENT_SECONDS per scope (`scope` names the enrolments, else their query does),
    figures, day and language. No round trip of its own when `fetched` brought it."""
    key = recent_headlines_key(scope or str(enrolments.query), wanted=wanted, today=today)
    found = fetched.take([key]) if fetched is not None else None
    recent, now = (found.get(key) if found is not None else cache.get(key)), timezone.now()
    if recent is None or now - recent.computed_at >= datetime.timedelta(seconds=RECENT_SECONDS):
        recent = RecentHeadlines(headlines(enrolments, wanted=wanted, today=today), now)
        cache.set(key, recent, RECENT_SECONDS)
    return recent


def headlines(enrolments: QuerySet[Enrolment], *, wanted, today: datetime.date) -> list[Headline]:
    """Each report is computed once (twice for a "this year" figure), whatever the number of learners."""
    start, end = academic_year(today)
    results: dict = {}
    shown = []
    for slug, key, variant in wanted:
        report = CATALOGUE.get(slug)
        if report is None:
            continue
        if (slug, variant) not in results:
            counted = enrolments.filter(planned_end_date__range=(start, end)) if variant == THIS_YEAR else enrolments
            results[slug, variant] = report.compute(counted, filters=Filters(), today=today)
        figure = next((f for f in results[slug, variant].figures if f.key == key), None)
        if figure is None:
            continue
        label, formula = str(figure.label), str(figure.formula)
        if variant == THIS_YEAR:
            label = _("%(figure)s this year") % {"figure": label}
            formula = _("%(formula)s, of the enrolments with a planned end date from %(start)s to %(end)s") % {
                "formula": formula, "start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
        drill = figure.bucket in report.buckets and variant is None
        url = reverse("insights_drill", args=[slug, figure.bucket]) if drill else reverse("insights_report",
                                                                                          args=[slug])
        value, unit = figure_parts(figure)
        shown.append(Headline(label, figure_text(figure), formula, url, value, unit, drill))
    return shown
