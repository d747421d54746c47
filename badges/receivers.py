"""Assessment acts that earn badges. Receivers only queue the work: a badge problem never holds up a sign-off."""

from django.db import transaction
from django.dispatch import receiver

from assessment.services import enrolment_completed, unit_signed_off
from badges import tasks


@receiver(unit_signed_off, dispatch_uid="badges.unit_badge")
def queue_unit_badge(sender, sign_off, actor, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.award_unit_badge.delay(sign_off.pk), robust=True)


@receiver(enrolment_completed, dispatch_uid="badges.qualification_badge")
def queue_qualification_badge(sender, enrolment, actor, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.award_qualification_badge.delay(enrolment.pk), robust=True)
