"""Assessment acts that earn badges. Receivers only queue the work: a badge problem never holds up a sign-off."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from assessment.services import enrolment_completed, unit_signed_off, unit_unlocked
from badges.awards import tasks
from badges.models import Award, Certificate
from moderation.samples.services import certification_hold_released
from portfolios.freshness import portfolio_changed


@receiver(unit_signed_off, dispatch_uid="badges.unit_badge")
def queue_unit_badge(sender, sign_off, actor: User, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.award_unit_badge.delay(sign_off.pk), robust=True)


@receiver(enrolment_completed, dispatch_uid="badges.qualification_badge")
def queue_qualification_badge(sender, enrolment, actor: User, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.award_qualification_badge.delay(enrolment.pk), robust=True)


@receiver(unit_unlocked, dispatch_uid="badges.reopened_unit")
def queue_reopened_unit_revocations(sender, sign_off, actor: User, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.revoke_for_reopened_unit.delay(sign_off.pk), robust=True)


@receiver(certification_hold_released, dispatch_uid="badges.qualification_badge_released")
def queue_released_qualification_badge(sender, enrolment, actor: User, **kwargs) -> None:
    transaction.on_commit(lambda: tasks.award_qualification_badge.delay(enrolment.pk), robust=True)


@receiver([post_save, post_delete], sender=Award, dispatch_uid="badges.award_changed")
@receiver([post_save, post_delete], sender=Certificate, dispatch_uid="badges.certificate_changed")
def achievement_changed(sender, instance, **kwargs) -> None:
    """A badge or certificate issued, revoked or replaced shows on its recipient's pages at once."""
    portfolio_changed(enrolment_ids=[instance.enrolment_id], learner_ids=[instance.recipient_id])
