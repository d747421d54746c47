"""EQA action point reminders: the owner and the centre admins, 7 days before the due date and once overdue, each
once however often the beat runs."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from leap.celery import app
from moderation.external.reports import services
from moderation.external.reports.reminders import remind_action_points
from notifications.models import Notification

from .test_reports import ReportWorld

pytestmark = pytest.mark.django_db


def _signed_with_point(personas, *, due_in: int):
    world = ReportWorld(personas).ready()
    point = services.eqa_action_point_add(report=world.report, actor=world.eqa, text="Standardise unit 2",
                                          owner=personas.assessor,
                                          due_date=timezone.localdate() + datetime.timedelta(days=due_in))
    world.sign()
    return point


def _told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__email", flat=True))


def test_owner_and_admins_are_told_a_week_ahead_and_once_overdue_each_once(personas, time_machine):
    _signed_with_point(personas, due_in=10)
    assert remind_action_points() == 0  # 10 days ahead: not yet
    time_machine.move_to(timezone.now() + datetime.timedelta(days=3))
    assert remind_action_points() == 2
    assert remind_action_points() == 0
    assert _told("eqa_action_due") == sorted([personas.assessor.email, personas.admin.email])
    time_machine.move_to(timezone.now() + datetime.timedelta(days=8))
    assert remind_action_points() == 2
    time_machine.move_to(timezone.now() + datetime.timedelta(days=7))
    assert remind_action_points() == 0
    assert _told("eqa_action_overdue") == sorted([personas.assessor.email, personas.admin.email])


def test_a_done_point_is_not_chased(personas, time_machine):
    point = _signed_with_point(personas, due_in=2)
    services.eqa_action_done(point=point, actor=personas.admin)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=5))
    assert remind_action_points() == 0


def test_the_beat_runs_a_task_the_worker_knows():
    entry = settings.CELERY_BEAT_SCHEDULE["eqa-action-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
