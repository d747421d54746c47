"""Thin tasks: each takes an id, calls one service, and is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from badges.awards import services
from badges.certificates.services import certificate_render
from badges.openbadges import baking

RETRY = {"acks_late": True, "autoretry_for": (OperationalError, OSError), "retry_backoff": 30,
         "retry_backoff_max": 900, "retry_jitter": True, "max_retries": 8}


@shared_task(**RETRY)
def award_unit_badge(sign_off_id: int) -> int | None:
    award = services.award_for_sign_off(sign_off_id=sign_off_id)
    return award.pk if award else None


@shared_task(**RETRY)
def award_qualification_badge(enrolment_id: int) -> int | None:
    award = services.award_for_completion(enrolment_id=enrolment_id)
    return award.pk if award else None


@shared_task(**RETRY)
def bake_award(award_id: int) -> bool:
    award = baking.award_bake(award_id=award_id)
    return bool(award and award.baked_ob2)


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError, ConnectionError), retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=6)
def render_certificate_pdf(certificate_id: int) -> bool:
    return certificate_render(certificate_id=certificate_id)
