"""Baking, by a worker: takes an id, is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from badges.openbadges import baking


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=30, retry_backoff_max=900,
             retry_jitter=True, max_retries=8)
def bake_award(award_id: int) -> bool:
    award = baking.award_bake(award_id=award_id)
    return bool(award and award.baked_ob2)
