from celery import shared_task

from portfolios.evidence.processing import evidence_file_process


@shared_task(acks_late=True, autoretry_for=(OSError, ConnectionError), retry_backoff=10, retry_backoff_max=600,
             max_retries=6)
def process_evidence_file(file_id: int) -> bool:
    return evidence_file_process(file_id=file_id)


@shared_task(acks_late=True)
def expire_pending_uploads() -> int:
    """Hourly (Celery beat): direct uploads granted and never confirmed go, with whatever the browser sent."""
    from portfolios.evidence.direct import pending_uploads_expire

    return pending_uploads_expire()
