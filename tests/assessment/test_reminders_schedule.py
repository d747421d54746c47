"""The beat runs the reminders each morning, and every task it names exists."""

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from leap.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _tasks_registered():
    # A worker imports every app's tasks module at start-up; without it a task is registered only once something
    # happened to import its module, which made these tests depend on what ran before them.
    celery_app.loader.import_default_modules()


def test_the_beat_schedule_names_existing_tasks_at_the_agreed_times():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert all(entry["task"] in celery_app.tasks for entry in schedule.values())
    times = {entry["task"]: entry["schedule"] for entry in schedule.values()
             if entry["task"].startswith("assessment.tasks.")}
    assert times == {"assessment.tasks.waiting_evidence_reminders": crontab(hour=7, minute=0),
                     "assessment.tasks.assessor_digests": crontab(hour=7, minute=30),
                     "assessment.tasks.units_due_reminders": crontab(hour=8, minute=0)}


def test_each_task_runs_now_or_as_of_a_given_date(personas):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if not entry["task"].startswith("assessment.tasks."):
            continue  # not a reminder
        task = celery_app.tasks[entry["task"]]
        assert task.delay().get() == 0
        assert task.delay("2026-11-23").get() == 0
        assert task.delay("2026-11-23T07:00:00+00:00").get() == 0
    assert mail.outbox == []
