"""Sample packs, built by a worker: takes an id, is safe to run twice, retried on transient errors."""

from celery import shared_task

from .builder import TRANSIENT, sample_pack_build, sample_packs_sweep


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=10, retry_backoff_max=600, retry_jitter=True,
             max_retries=6)
def build_sample_pack(pack_id: int) -> bool:
    return sample_pack_build(pack_id=pack_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=60, max_retries=3)
def sweep_expired_sample_packs() -> int:
    return sample_packs_sweep()
