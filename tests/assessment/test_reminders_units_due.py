"""Learners are told once a week which planned units fall due in the next 7 days and are not yet signed off."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessment.reminders import remind_units_due
from notifications.models import Notification
from portfolios.models import AssessmentPlan, Enrolment, EnrolmentUnit, PlanItem

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.make_aware(datetime.datetime(2026, 11, 25, 8, 0))  # a Wednesday
TODAY = NOW.date()


def _plan(enrolment, status=AssessmentPlan.Status.AGREED, number=1) -> AssessmentPlan:
    return AssessmentPlan.objects.create(enrolment=enrolment, number=number, status=status,
                                         created_by=enrolment.assessor)


def _item(plan, days: int, *units) -> PlanItem:
    item = PlanItem.objects.create(plan=plan, method="observation", target_date=TODAY + datetime.timedelta(days=days))
    item.units.set(units)
    return item


@pytest.fixture
def enrolment(personas):
    from tests.portfolios.factories import make_enrolment, make_spec

    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=4))


@pytest.fixture
def units(enrolment):
    return list(enrolment.version.units.order_by("position"))


def test_only_open_units_due_within_7_days_are_listed(personas, enrolment, units):
    plan = _plan(enrolment)
    _item(plan, 3, units[0])
    _item(plan, 10, units[1])  # not yet due
    _item(plan, -1, units[2])  # already past its date
    _item(plan, 5, units[3])
    EnrolmentUnit.objects.filter(enrolment=enrolment, unit=units[3]).update(locked_at=timezone.now())
    assert remind_units_due(now=NOW) == 1
    [message] = mail.outbox
    assert message.to == [personas.learner.email]
    assert message.subject == f"Units due this week in {enrolment.version.title}"
    assert f"{units[0].code} {units[0].title}" in message.body and "(in 3 days)" in message.body
    assert all(u.code not in message.body for u in units[1:])


def test_the_reminder_goes_once_a_week(personas, enrolment, units):
    _item(_plan(enrolment), 7, units[0])
    assert remind_units_due(now=NOW) == 1
    assert remind_units_due(now=NOW + datetime.timedelta(days=1)) == 0  # Thursday, same ISO week
    assert remind_units_due(now=NOW + datetime.timedelta(days=6)) == 1  # Tuesday of the next week
    assert Notification.objects.filter(user=personas.learner, kind="reminder_units_due").count() == 2


def test_nothing_due_or_every_due_unit_locked_sends_nothing(enrolment, units):
    _item(_plan(enrolment), 2, units[0])
    EnrolmentUnit.objects.filter(enrolment=enrolment).update(locked_at=timezone.now())
    assert remind_units_due(now=NOW) == 0 and mail.outbox == []


def test_the_current_agreed_or_awaiting_plan_counts_and_a_draft_does_not(enrolment, units):
    agreed = _plan(enrolment, number=1)
    _item(agreed, 2, units[0])
    _item(agreed, 9, units[3])
    newer = _plan(enrolment, AssessmentPlan.Status.DRAFT, number=2)
    _item(newer, 2, units[1])
    _item(newer, 9, units[2])
    assert remind_units_due(now=NOW) == 1
    assert units[0].code in mail.outbox[0].body and units[1].code not in mail.outbox[0].body

    # The newer version is signed by one party: it is now the current plan, the agreed one is not.
    AssessmentPlan.objects.filter(pk=newer.pk).update(status=AssessmentPlan.Status.AWAITING)
    assert remind_units_due(now=NOW + datetime.timedelta(days=7)) == 1
    assert units[2].code in mail.outbox[1].body and units[3].code not in mail.outbox[1].body


def test_a_learner_on_a_break_is_not_reminded(enrolment, units):
    _item(_plan(enrolment), 2, units[0])
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ON_BREAK)
    assert remind_units_due(now=NOW) == 0


def test_a_learner_with_reminders_off_sees_it_in_the_app_only(personas, enrolment, units):
    personas.learner.email_non_essential = False
    personas.learner.save()
    _item(_plan(enrolment), 2, units[0])
    assert remind_units_due(now=NOW) == 1
    assert personas.learner.notifications.filter(kind="reminder_units_due", send_email=False).exists()
    assert mail.outbox == []
