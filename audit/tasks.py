from celery import shared_task
from django.db import OperationalError

from .checkpoints import audit_checkpoints_write


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=60, retry_backoff_max=900,
             retry_jitter=True, max_retries=5)
def audit_checkpoint() -> int:
    """The beat's hourly checkpoint of every chain whose head moved (see CELERY_BEAT_SCHEDULE)."""
    return len(audit_checkpoints_write().written)
