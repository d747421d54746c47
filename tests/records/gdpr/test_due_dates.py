"""A request is due one calendar month after receipt (GDPR Art. 12(3)); the words say how long is left."""

import datetime

import pytest

from records.gdpr.models import DataRequest, due_date
from records.gdpr.selectors import due_words

D = datetime.date


@pytest.mark.parametrize(("received", "due"), [
    (D(2026, 3, 14), D(2026, 4, 14)),
    (D(2026, 1, 31), D(2026, 2, 28)),  # February has no 31st: its last day
    (D(2028, 1, 31), D(2028, 2, 29)),  # a leap year
    (D(2026, 3, 31), D(2026, 4, 30)),
    (D(2026, 8, 31), D(2026, 9, 30)),
    (D(2026, 12, 15), D(2027, 1, 15)),  # into the next year
    (D(2026, 12, 31), D(2027, 1, 31)),
    (D(2026, 2, 28), D(2026, 3, 28)),
])
def test_the_answer_is_due_one_calendar_month_after_receipt(received, due):
    assert due_date(received) == due


@pytest.mark.parametrize(("today", "words", "overdue"), [
    (D(2026, 4, 4), "due in 10 days", False),
    (D(2026, 4, 13), "due in 1 day", False),
    (D(2026, 4, 14), "due today", False),
    (D(2026, 4, 15), "overdue by 1 day", True),
    (D(2026, 4, 20), "overdue by 6 days", True),
])
def test_the_words_count_the_days_from_today_to_the_due_date(today, words, overdue):
    request = DataRequest(received_on=D(2026, 3, 14), due_on=D(2026, 4, 14))
    assert (due_words(request, today).text, due_words(request, today).overdue) == (words, overdue)
