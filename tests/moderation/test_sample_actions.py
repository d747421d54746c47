"""Actions after a sample: due in 10 working days by default, marked done by their owner, closed by a moderator
only once done, sent back; reminded when due in 2 days and when overdue, once per period."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Role
from centres.services import ServiceError
from leap.celery import app as celery_app
from moderation import reminders
from moderation.models import SampleAction
from moderation.samples.services import (
    SampleError,
    action_close,
    action_mark_done,
    action_reopen,
    working_days_after,
)
from notifications.models import Notification
from tests.factories import staff

from .sampling_world import Sampling, day

pytestmark = pytest.mark.django_db


def signed_with_action(personas, due=None) -> SampleAction:
    world = Sampling(personas)
    sample = world.signed(outcome="disagree_act", feedback="Re-check it.", actions=[("Re-check 2.1", due)])
    return sample.actions.get()


@pytest.mark.parametrize(("start", "due"), [("2026-11-30", "2026-12-14"),  # Monday -> Monday two weeks on
                                            ("2026-12-04", "2026-12-18"),  # Friday -> Friday
                                            ("2026-12-05", "2026-12-18")])  # Saturday -> Friday
def test_ten_working_days_skip_weekends(start, due):
    assert working_days_after(day(start), 10) == day(due)


def test_an_action_is_due_in_ten_working_days_unless_a_date_is_given(personas):
    action = signed_with_action(personas)
    assert action.due_date == working_days_after(timezone.localdate(), 10)
    assert action.owner == personas.assessor and action.status == SampleAction.Status.OPEN
    given = timezone.localdate() + datetime.timedelta(days=3)
    assert signed_with_action_on_new_world(personas, given).due_date == given


def signed_with_action_on_new_world(personas, due):
    world = Sampling(personas, code="IQA2")
    return world.signed(outcome="agree_advice", actions=[("Date the photos", due)]).actions.get()


def test_only_the_owner_marks_an_action_done(personas):
    action = signed_with_action(personas)
    for someone in (personas.second_assessor, personas.moderator):
        with pytest.raises(PermissionDenied):
            action_mark_done(action=action, actor=someone, note="done")
    with pytest.raises(SampleError, match="Say what you did"):
        action_mark_done(action=action, actor=personas.assessor, note=" ")
    action.refresh_from_db()
    assert action.status == SampleAction.Status.OPEN
    action = action_mark_done(action=action, actor=personas.assessor, note="Feedback rewritten")
    assert action.status == SampleAction.Status.DONE and action.done_note == "Feedback rewritten"
    assert Notification.objects.filter(user=personas.moderator, kind="iqa_action_done").exists()


def test_only_a_done_action_is_closed_and_only_by_a_moderator(personas):
    action = signed_with_action(personas)
    with pytest.raises(ServiceError, match="marked done"):
        action_close(action=action, actor=personas.moderator)
    action.refresh_from_db()
    assert action.status == SampleAction.Status.OPEN and not action.closed_at
    action_mark_done(action=action, actor=personas.assessor, note="Done")
    for someone in (personas.admin, personas.assessor, staff(personas.other_centre, Role.MODERATOR)):
        with pytest.raises(PermissionDenied):
            action_close(action=action, actor=someone)
    action = action_close(action=action, actor=personas.moderator)
    assert action.status == SampleAction.Status.CLOSED and action.closed_by == personas.moderator
    assert AuditEvent.objects.filter(action="iqa.action_closed", object_id=str(action.pk)).exists()
    with pytest.raises(ServiceError):
        action_close(action=action, actor=personas.moderator)


def test_the_moderator_sends_a_done_action_back_with_a_reason(personas):
    action = signed_with_action(personas)
    action_mark_done(action=action, actor=personas.assessor, note="Done")
    with pytest.raises(SampleError, match="why"):
        action_reopen(action=action, actor=personas.moderator, reason="")
    action = action_reopen(action=action, actor=personas.moderator, reason="1.2 still has no feedback")
    assert action.status == SampleAction.Status.OPEN
    assert Notification.objects.filter(user=personas.assessor, kind="iqa_action_reopened").exists()


def test_an_action_of_an_unsigned_sample_cannot_be_marked_done(personas):
    world = Sampling(personas)
    sample = world.record(world.start(), outcome="disagree_act", feedback="x", actions=[("Do it", None)])
    with pytest.raises(SampleError, match="not signed"):
        action_mark_done(action=sample.actions.get(), actor=personas.assessor, note="done")


def at(date: datetime.date, hour: int = 8) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


def test_an_action_due_in_two_days_is_reminded_once(personas):
    action = signed_with_action(personas)
    two_days_before = action.due_date - datetime.timedelta(days=2)
    assert reminders.remind_actions(now=at(two_days_before - datetime.timedelta(days=1))) == 0
    assert reminders.remind_actions(now=at(two_days_before)) == 1
    assert reminders.remind_actions(now=at(two_days_before, hour=9)) == 0
    assert reminders.remind_actions(now=at(action.due_date)) == 0  # once per due date
    [reminder] = Notification.objects.filter(user=personas.assessor, kind="iqa_action_due")
    assert reminder.data["text"] == "Re-check 2.1" and reminder.data["days"] == 2


def test_an_overdue_action_is_reminded_once_a_week(personas):
    action = signed_with_action(personas)
    late = action.due_date + datetime.timedelta(days=1)
    assert reminders.remind_actions(now=at(late)) == 1
    assert reminders.remind_actions(now=at(late)) == 0
    assert reminders.remind_actions(now=at(late + datetime.timedelta(days=7))) == 1
    assert Notification.objects.filter(user=personas.assessor, kind="iqa_action_overdue").count() == 2


def test_done_and_closed_actions_are_not_reminded(personas):
    action = signed_with_action(personas)
    action_mark_done(action=action, actor=personas.assessor, note="Done")
    assert reminders.remind_actions(now=at(action.due_date + datetime.timedelta(days=1))) == 0


@pytest.mark.django_db(transaction=True)
def test_the_beat_runs_the_action_reminders_each_morning(personas):
    celery_app.loader.import_default_modules()
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "moderation.tasks.sample_action_reminders"]
    assert entry == {"task": "moderation.tasks.sample_action_reminders", "schedule": crontab(hour=8, minute=15)}
    task = celery_app.tasks[entry["task"]]
    assert task.delay().get() == 0 and task.delay("2026-11-23").get() == 0
