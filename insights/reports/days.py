"""Arithmetic inside the database, the same on PostgreSQL and SQLite: day numbers, working days, and progress
counts cheap enough for 10,000 learners. Reports filter and aggregate on these, so nothing is counted row by row
in Python."""

import datetime

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, Mod, TruncDate

from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion

# A Monday: day numbers count from it, so `n % 7` is the weekday (0 = Monday) and weeks line up.
EPOCH = datetime.date(2000, 1, 3)


class DayNumber(Func):
    """Days from EPOCH to a date expression (a DateField, or TruncDate of a DateTimeField)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL: date - date is an integer
        return super().as_sql(compiler, connection, template=f"(%(expressions)s - DATE '{EPOCH:%Y-%m-%d}')",
                              **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection,
            template=f"CAST(ROUND(julianday(%(expressions)s) - julianday('{EPOCH:%Y-%m-%d}')) AS INTEGER)",
            **extra_context)


class RowCount(Func):
    """COUNT(*) of a correlated subquery's rows, without the GROUP BY a Count would add: one number per outer row,
    which lets PostgreSQL merge the two index scans instead of hashing per outer row."""

    template = "COUNT(*)"
    output_field = IntegerField()
    contains_aggregate = False  # to Django; to SQL it is the subquery's single aggregate row


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def local_day(field: str) -> DayNumber:
    """The day number of a DateTimeField in the site's time zone."""
    return DayNumber(TruncDate(field))


def weekdays_before(day):
    """Monday-to-Friday days from EPOCH up to (not including) day number `day`: 5 per whole week, plus the
    weekdays of the part week."""
    return ExpressionWrapper(5 * (day / 7) + Least(Mod(day, 7), Value(5)), output_field=IntegerField())


def working_days(start, end):
    """Working days (Monday to Friday; public holidays are not known) from day number `start` to `end`: those of
    [start, end). Submitted on a Friday and decided the next Monday is 1 working day; the same day is 0."""
    return ExpressionWrapper(weekdays_before(end) - weekdays_before(start), output_field=IntegerField())


# --- Progress counts, cheaply ---------------------------------------------------------------------------------

def unit_criteria(enrolments: QuerySet[Enrolment]) -> dict[int, int]:
    """{unit id: its number of criteria} for the qualifications of `enrolments`. One query of one row per unit."""
    return dict(AssessmentCriterion.objects.filter(unit__version__in=enrolments.values("version"))
                .order_by().values("unit").annotate(n=Count("pk")).values_list("unit", "n"))


def with_fast_progress_counts(enrolments: QuerySet[Enrolment], criteria: dict[int, int]) -> QuerySet[Enrolment]:
    """The same `criteria_total` and `criteria_met` as portfolios' `with_progress_counts`, without counting the
    criteria again for every enrolment: the total adds up, over the enrolment's chosen units, their criteria counts
    (`unit_criteria`, written into the query as constants); met counts the achieved criteria of chosen units. At
    10,000 learners of 12 units x 40 criteria that is 120,000 unit rows read instead of 4,800,000 criterion rows."""
    per_unit = Case(*(When(unit_id=unit, then=Value(n)) for unit, n in criteria.items()), default=Value(0),
                    output_field=IntegerField()) if criteria else Value(0)
    total = (EnrolmentUnit.objects.filter(enrolment=OuterRef("pk")).order_by().values("enrolment")
             .annotate(n=Sum(per_unit)).values("n"))
    # The achieved criteria whose unit is among the enrolment's chosen ones: on PostgreSQL a merge of two index-only
    # scans per enrolment (its achieved criteria by unit, its chosen units), not a hash built per enrolment.
    chosen = EnrolmentUnit.objects.filter(enrolment=OuterRef(OuterRef("pk"))).values("unit_id")
    met = (AchievedCriterion.objects.filter(enrolment=OuterRef("pk"), unit_id__in=chosen).order_by()
           .annotate(n=RowCount()).values("n"))
    return enrolments.annotate(criteria_total=Coalesce(Subquery(total, output_field=IntegerField()), 0),
                               criteria_met=Coalesce(Subquery(met, output_field=IntegerField()), 0))

