"""The beat's weekly management information email (see CELERY_BEAT_SCHEDULE); idempotent per ISO week."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .digest import send_mi_digests

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": 60, "retry_backoff_max": 900,
         "retry_jitter": True, "max_retries": 5}


@shared_task(**RETRY)
def mi_digests(at: str | None = None) -> int:
    """`at`: an ISO 8601 date or date-time to run as of then (a catch-up by hand); now by default."""
    if not at:
        return send_mi_digests()
    moment = datetime.datetime.fromisoformat(at)
    return send_mi_digests(now=timezone.make_aware(moment) if timezone.is_naive(moment) else moment)
