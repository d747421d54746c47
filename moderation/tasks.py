"""The beat's IQA reminder run (see CELERY_BEAT_SCHEDULE). Idempotent per period, so retries are safe."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reminders
from .external import reminders as eqa_reminders

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": 60, "retry_backoff_max": 900,
         "retry_jitter": True, "max_retries": 5}


def _moment(at: str | None) -> datetime.datetime:
    if not at:
        return timezone.now()
    moment = datetime.datetime.fromisoformat(at)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@shared_task(**RETRY)
def sample_action_reminders(at: str | None = None) -> int:
    return reminders.remind_actions(now=_moment(at))


@shared_task(**RETRY)
def eqa_visit_reminders(at: str | None = None) -> int:
    """Hourly: the centre admins' reminders 6 weeks, 4 weeks and 48 hours before an EQA visit."""
    return eqa_reminders.remind_visits(now=_moment(at))
