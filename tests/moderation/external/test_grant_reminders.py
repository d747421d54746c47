"""Before an EQA visit the centre admins are told, 6 weeks, 4 weeks and 48 hours ahead, each once, what the awarding
body usually wants by then."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from moderation import tasks
from moderation.external.reminders import KIND, remind_visits, visit_moment
from notifications.delivery import render_email
from notifications.models import Notification
from tests.factories import staff

from .factories import make_grant

pytestmark = pytest.mark.django_db


def _reminders(user=None):
    found = Notification.objects.filter(kind=KIND)
    return found.filter(user=user) if user else found


@pytest.fixture
def grant(personas):
    return make_grant(personas, days=80, awarding_body="Pearson",
                      visit_on=timezone.localdate() + datetime.timedelta(days=60))


def test_each_reminder_goes_once_to_every_centre_admin_in_its_window(personas, grant, time_machine):
    second_admin = staff(personas.centre, "centre_admin")
    visit = visit_moment(grant)
    time_machine.move_to(visit - datetime.timedelta(weeks=6, minutes=-5))
    assert remind_visits() == 2
    assert remind_visits() == 0
    grant.refresh_from_db()
    assert grant.reminders_sent == ["6w"]
    assert {n.user for n in _reminders()} == {personas.admin, second_admin}
    time_machine.move_to(visit - datetime.timedelta(weeks=4, minutes=-5))
    assert remind_visits() == 2 and remind_visits() == 0
    time_machine.move_to(visit - datetime.timedelta(hours=47))
    assert remind_visits() == 2 and remind_visits() == 0
    grant.refresh_from_db()
    assert grant.reminders_sent == ["6w", "4w", "48h"]
    assert _reminders(personas.admin).count() == 3
    assert not _reminders(personas.moderator).exists()


def test_nothing_is_sent_before_the_first_window_or_after_the_visit(personas, grant, time_machine):
    visit = visit_moment(grant)
    time_machine.move_to(visit - datetime.timedelta(weeks=6, minutes=5))
    assert remind_visits() == 0
    time_machine.move_to(visit + datetime.timedelta(minutes=5))
    assert remind_visits() == 0
    assert not _reminders().exists()


def test_a_grant_made_three_weeks_before_its_visit_gets_the_4_week_reminder_not_the_6_week_one(personas):
    grant = make_grant(personas, visit_on=timezone.localdate() + datetime.timedelta(days=21), days=30)
    assert remind_visits() == 1
    grant.refresh_from_db()
    assert grant.reminders_sent == ["4w"]


@pytest.mark.parametrize(("before", "stage", "wants"), [
    (datetime.timedelta(weeks=6), "6w", "agree the sample"),
    (datetime.timedelta(weeks=4), "4w", "assessment plans and the IQA records"),
    (datetime.timedelta(hours=48), "48h", "sample pack"),
])
def test_each_reminder_names_what_the_awarding_body_usually_wants_then(personas, grant, time_machine, before, stage,
                                                                       wants):
    time_machine.move_to(visit_moment(grant) - before + datetime.timedelta(minutes=5))
    remind_visits()
    notification = _reminders(personas.admin).get()
    assert notification.data["stage"] == stage
    body = render_email("body.txt", notification)
    assert wants in body and "Pearson" in body and grant.visit_on.strftime("%d %b %Y") in body
    assert wants in render_email("body.html", notification)
    assert f"/moderation/eqa/grants/{grant.pk}/" in notification.url
    assert "EQA visit on" in notification.subject


def test_a_revoked_grant_reminds_no_one(personas, grant, time_machine):
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    time_machine.move_to(visit_moment(grant) - datetime.timedelta(hours=47))
    assert remind_visits() == 0


def test_the_hourly_beat_task_runs_the_reminders_at_the_moment_it_is_given(personas, grant):
    entry = settings.CELERY_BEAT_SCHEDULE["eqa-visit-reminders"]
    assert entry["task"] == "moderation.tasks.eqa_visit_reminders"
    at = (visit_moment(grant) - datetime.timedelta(hours=40)).isoformat()
    assert tasks.eqa_visit_reminders(at) == 1
    assert tasks.eqa_visit_reminders(at) == 0
