"""The beat's EQA action point reminders (see CELERY_BEAT_SCHEDULE). Idempotent: each reminder goes once."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reminders


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=60, retry_backoff_max=900,
             retry_jitter=True, max_retries=5)
def eqa_action_reminders(at: str | None = None) -> int:
    now = datetime.datetime.fromisoformat(at) if at else timezone.now()
    return reminders.remind_action_points(now=timezone.make_aware(now) if timezone.is_naive(now) else now)
