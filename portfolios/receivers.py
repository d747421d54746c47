"""Every saved or deleted portfolio row changes what its learner, assessor and moderator are shown: forget them
(`portfolios.freshness.portfolio_changed`). An enrolment moved to another assessor or moderator forgets the
previous one too (their caseload no longer lists it)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.request_cache import forget_people

from . import progress_counts
from .freshness import portfolio_changed
from .models import (
    AchievedCriterion,
    AssessmentPlan,
    Enrolment,
    EnrolmentUnit,
    Evidence,
    EvidenceCriterion,
    EvidenceFile,
    EvidenceSubmission,
    PlanItem,
)

PEOPLE_FIELDS = ("learner_id", "assessor_id", "moderator_id")


@receiver(pre_save, sender=Enrolment, dispatch_uid="portfolios.enrolment_people_before")
def enrolment_people_before(sender, instance: Enrolment, update_fields=None, **kwargs) -> None:
    """The people an enrolment had before a save that may change them, forgotten with the new ones."""
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"learner", "assessor", "moderator"}.intersection(update_fields):
        return
    row = Enrolment.objects.filter(pk=instance.pk).values_list(*PEOPLE_FIELDS).first() or ()
    instance._people_before = tuple(row)


@receiver([post_save, post_delete], sender=Enrolment, dispatch_uid="portfolios.enrolment_changed")
def enrolment_changed(sender, instance: Enrolment, **kwargs) -> None:
    before = getattr(instance, "_people_before", ())
    forget_people([*before, *(getattr(instance, name) for name in PEOPLE_FIELDS)])


@receiver([post_save, post_delete], sender=EnrolmentUnit, dispatch_uid="portfolios.enrolment_unit_counted")
@receiver([post_save, post_delete], sender=AchievedCriterion, dispatch_uid="portfolios.achieved_counted")
def counted_row_changed(sender, instance, origin=None, **kwargs) -> None:
    """A chosen unit or an achieved criterion saved or deleted on its own recounts its enrolment's progress; rows
    deleted with their enrolment (or its learner) leave nothing to recount."""
    if origin is None or isinstance(origin, sender) or getattr(origin, "model", None) is sender:
        progress_counts.refresh([instance.enrolment_id])


@receiver([post_save, post_delete], sender=EnrolmentUnit, dispatch_uid="portfolios.enrolment_unit_changed")
@receiver([post_save, post_delete], sender=AchievedCriterion, dispatch_uid="portfolios.achieved_changed")
@receiver([post_save, post_delete], sender=Evidence, dispatch_uid="portfolios.evidence_changed")
@receiver([post_save, post_delete], sender=AssessmentPlan, dispatch_uid="portfolios.plan_changed")
def enrolment_row_changed(sender, instance, **kwargs) -> None:
    portfolio_changed(enrolment_ids=[instance.enrolment_id])


@receiver([post_save, post_delete], sender=EvidenceFile, dispatch_uid="portfolios.evidence_file_changed")
@receiver([post_save, post_delete], sender=EvidenceCriterion, dispatch_uid="portfolios.evidence_claim_changed")
@receiver([post_save, post_delete], sender=EvidenceSubmission, dispatch_uid="portfolios.submission_changed")
def evidence_row_changed(sender, instance, **kwargs) -> None:
    enrolment_id = Evidence.objects.filter(pk=instance.evidence_id).values_list("enrolment_id", flat=True).first()
    portfolio_changed(enrolment_ids=[enrolment_id])


@receiver([post_save, post_delete], sender=PlanItem, dispatch_uid="portfolios.plan_item_changed")
def plan_item_changed(sender, instance: PlanItem, **kwargs) -> None:
    enrolment_id = AssessmentPlan.objects.filter(pk=instance.plan_id).values_list("enrolment_id", flat=True).first()
    portfolio_changed(enrolment_ids=[enrolment_id])
