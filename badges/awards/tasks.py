"""Badges that follow assessment, by a worker: each takes an id, calls one function, and is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from badges.awards import automatic

RETRY = {"acks_late": True, "autoretry_for": (OperationalError, OSError), "retry_backoff": 30,
         "retry_backoff_max": 900, "retry_jitter": True, "max_retries": 8}


@shared_task(**RETRY)
def award_unit_badge(sign_off_id: int) -> int | None:
    award = automatic.award_for_sign_off(sign_off_id=sign_off_id)
    return award.pk if award else None


@shared_task(**RETRY)
def award_qualification_badge(enrolment_id: int) -> int | None:
    award = automatic.award_for_completion(enrolment_id=enrolment_id)
    return award.pk if award else None


@shared_task(**RETRY)
def revoke_for_reopened_unit(sign_off_id: int) -> list[int]:
    return [award.pk for award in automatic.awards_revoke_for_reopened_unit(sign_off_id=sign_off_id)]
