"""Portfolio exports, built by a worker: the task takes an id, is safe to run twice and is retried on transient
errors; on its last attempt a failure is final and the people are told."""

from celery import shared_task

from .services import TRANSIENT, export_build, exports_sweep


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=10, retry_backoff_max=600,
             retry_jitter=True, max_retries=6)
def build_portfolio_export(self, export_id: int) -> bool:
    return export_build(export_id=export_id, last_attempt=self.request.retries >= self.max_retries)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=60, max_retries=3)
def sweep_expired_exports() -> int:
    return exports_sweep()
