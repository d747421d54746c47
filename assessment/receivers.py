"""Assessment's decisions change what the learner and their assessor see (portfolio, progress, the assessor's home)
and, for decisions awaiting countersignature, what every qualified assessor of the centre sees: each save or
delete forgets them (`assessment.freshness`). An unlock's bulk update of its sign-off comes with the unlock record
created in the same transaction, whose receiver forgets the same people."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portfolios.freshness import portfolio_changed
from portfolios.models import EnrolmentUnit, EvidenceSubmission

from .freshness import assessment_changed
from .models import CriterionDecision, Review, UnitSignOff, UnitUnlock


def _submission_enrolment(submission_id: int) -> tuple[int | None, int | None]:
    row = (EvidenceSubmission.objects.filter(pk=submission_id)
           .values_list("evidence__enrolment_id", "evidence__enrolment__centre_id").first())
    return row or (None, None)


def _unit_enrolment(enrolment_unit_id: int) -> tuple[int | None, int | None]:
    row = (EnrolmentUnit.objects.filter(pk=enrolment_unit_id)
           .values_list("enrolment_id", "enrolment__centre_id").first())
    return row or (None, None)


@receiver([post_save, post_delete], sender=Review, dispatch_uid="assessment.review_changed")
def review_changed(sender, instance: Review, **kwargs) -> None:
    enrolment_id, centre_id = _submission_enrolment(instance.submission_id)
    assessment_changed(enrolment_ids=[enrolment_id], centre_ids=[centre_id])


@receiver([post_save, post_delete], sender=CriterionDecision, dispatch_uid="assessment.decision_changed")
def decision_changed(sender, instance: CriterionDecision, **kwargs) -> None:
    assessment_changed(enrolment_ids=[instance.enrolment_id])


@receiver([post_save, post_delete], sender=UnitSignOff, dispatch_uid="assessment.sign_off_changed")
def sign_off_changed(sender, instance: UnitSignOff, **kwargs) -> None:
    enrolment_id, centre_id = _unit_enrolment(instance.enrolment_unit_id)
    assessment_changed(enrolment_ids=[enrolment_id], centre_ids=[centre_id])


@receiver([post_save, post_delete], sender=UnitUnlock, dispatch_uid="assessment.unlock_changed")
def unlock_changed(sender, instance: UnitUnlock, **kwargs) -> None:
    enrolment_id, centre_id = _unit_enrolment(instance.enrolment_unit_id)
    assessment_changed(enrolment_ids=[enrolment_id], centre_ids=[centre_id])


# What an assessor's home shows of each learner (their name, linked).
LEARNER_FIELDS_SHOWN = frozenset({"first_name", "last_name", "email"})


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="assessment.learner_renamed")
def learner_renamed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A learner's new name shows on their assessors' homes at once."""
    if created or (update_fields is not None and not LEARNER_FIELDS_SHOWN.intersection(update_fields)):
        return
    portfolio_changed(learner_ids=[instance.pk])
