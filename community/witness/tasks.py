from celery import shared_task
from django.db import OperationalError

from .services import witness_requests_expire


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def expire_witness_requests() -> int:
    return witness_requests_expire()
