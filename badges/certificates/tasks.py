"""The certificate's PDF, rendered by a worker: takes an id, is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from badges.certificates.rendering import certificate_render


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError, ConnectionError), retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=6)
def render_certificate_pdf(certificate_id: int) -> bool:
    return certificate_render(certificate_id=certificate_id)
