"""The beat's reminder runs (see CELERY_BEAT_SCHEDULE). Each is idempotent per period, so retries are safe.

Each task takes an optional ISO 8601 date or date-time (`at`) to run as of then, e.g. to catch up a missed
day by hand; a bare date means the start of that day, a naive time is in TIME_ZONE.
"""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reminders

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": 60, "retry_backoff_max": 900,
         "retry_jitter": True, "max_retries": 5}


def _moment(at: str | None) -> datetime.datetime:
    if not at:
        return timezone.now()
    moment = datetime.datetime.fromisoformat(at)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@shared_task(**RETRY)
def waiting_evidence_reminders(at: str | None = None) -> int:
    return reminders.remind_waiting_evidence(now=_moment(at))


@shared_task(**RETRY)
def units_due_reminders(at: str | None = None) -> int:
    return reminders.remind_units_due(now=_moment(at))


@shared_task(**RETRY)
def assessor_digests(at: str | None = None) -> int:
    return reminders.send_assessor_digests(now=_moment(at))
