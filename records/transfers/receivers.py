"""A claim's decision changes the learner's progress and what assessors of the centre have to decide (their
home's "prior learning to decide"; an enrolment whose assessor has left is decided by any assessor there). The
services' bulk creates and updates call `assessment_changed` themselves."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assessment.freshness import assessment_changed

from .models import PriorLearningClaim


@receiver([post_save, post_delete], sender=PriorLearningClaim, dispatch_uid="transfers.claim_changed")
def claim_changed(sender, instance: PriorLearningClaim, **kwargs) -> None:
    centre_id = instance.enrolment.centre_id if instance.enrolment_id else None
    assessment_changed(enrolment_ids=[instance.enrolment_id], centre_ids=[centre_id])
