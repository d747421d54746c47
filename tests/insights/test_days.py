import datetime

import pytest
from django.db.models import F, Value

from insights.reports.days import DayNumber, day_number, unit_criteria, with_fast_progress_counts, working_days
from portfolios.enrolments.selectors import with_progress_counts
from portfolios.models import Enrolment, EnrolmentUnit

from .crowd import crowd

D = datetime.date


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2026, 6, 8), D(2026, 6, 8), 0),  # Monday, the same day
    (D(2026, 6, 5), D(2026, 6, 8), 1),  # Friday to Monday
    (D(2026, 6, 13), D(2026, 6, 15), 0),  # Saturday to Monday
    (D(2026, 6, 14), D(2026, 6, 16), 1),  # Sunday to Tuesday
    (D(2026, 5, 18), D(2026, 6, 3), 12),  # Monday to the Wednesday two weeks later
    (D(2026, 1, 1), D(2027, 1, 1), 261),  # 2026 has 261 weekdays
])
def test_working_days_count_monday_to_friday_from_the_first_day_up_to_the_last(personas, start, end, expected):
    # Any row will do to evaluate the expression in the database.
    crowd(personas, 1, today=D(2026, 6, 15))
    took = (Enrolment.objects.annotate(took=working_days(Value(day_number(start)), Value(day_number(end))))
            .values_list("took", flat=True).first())
    assert took == expected


def test_day_number_counts_days_from_the_epoch_in_the_database(personas):
    (enrolment,) = crowd(personas, 1, today=D(2026, 6, 15))
    in_db = Enrolment.objects.annotate(n=DayNumber(F("start_date"))).values_list("n", flat=True).get()
    assert in_db == day_number(enrolment.start_date)


def test_fast_progress_counts_agree_with_portfolios_counts(personas):
    enrolments = crowd(personas, 30, today=D(2026, 6, 15))
    EnrolmentUnit.objects.filter(enrolment=enrolments[4], unit__position=1).delete()  # one unit not chosen
    scope = Enrolment.objects.filter(centre=personas.centre).order_by("pk")
    fast = list(with_fast_progress_counts(scope, unit_criteria(scope)).values_list("pk", "criteria_total",
                                                                                    "criteria_met"))
    assert fast == list(with_progress_counts(scope).values_list("pk", "criteria_total", "criteria_met"))
    assert fast[4][1] == 3  # 2 units x 3 criteria, one unit left out
