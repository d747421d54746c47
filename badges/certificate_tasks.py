from celery import shared_task

from .certificates import certificate_render


@shared_task(acks_late=True, autoretry_for=(OSError, ConnectionError), retry_backoff=10, retry_backoff_max=600,
             max_retries=6)
def render_certificate_pdf(certificate_id: int) -> bool:
    return certificate_render(certificate_id=certificate_id)
