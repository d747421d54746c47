"""Assessment acts a moderator must hear of: an interim-sampled unit moved on (new decisions, or signed off).
Each moderator who sampled the unit as work in progress is told once per act, about their latest sample.
And the changes that make the navigation's cached counts stale: an assessor's open IQA actions, a centre's plan items
left to sample."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse

from accounts.models import User
from accounts.request_cache import forget_person
from assessment.services import review_decided, unit_signed_off
from centres.models import Role
from centres.services import invitation_accepted
from notifications.services import notify

from .external import grant_cache  # noqa: F401 (drops an external moderator's cached grants on change)
from .external.services import eqa_grants_link
from .freshness import plan_items_changed
from .models import PlanItem, Sample, SampleAction, SampleKind, SamplingPlan


@receiver(unit_signed_off, dispatch_uid="moderation.interim_moved_on")
def tell_interim_moderators(sender, sign_off, actor: User, **kwargs) -> None:
    enrolment_unit = sign_off.enrolment_unit
    _tell_interim_moderators(enrolment_unit.enrolment_id, [enrolment_unit.unit_id], actor, "signed_off")


@receiver(review_decided, dispatch_uid="moderation.interim_decided")
def tell_interim_moderators_of_decisions(sender, review, unit_ids: list[int], actor: User, **kwargs) -> None:
    enrolment_id = review.submission.evidence.enrolment_id
    _tell_interim_moderators(enrolment_id, unit_ids, actor, "decided")


def _tell_interim_moderators(enrolment_id: int, unit_ids: list[int], actor: User, change: str) -> None:
    samples = (Sample.objects.filter(enrolment_id=enrolment_id, unit_id__in=unit_ids, kind=SampleKind.INTERIM)
               .select_related("moderator", "unit", "enrolment__learner").order_by("-started_at", "-pk"))
    latest_per_moderator_and_unit = {}
    for sample in samples:
        latest_per_moderator_and_unit.setdefault((sample.moderator_id, sample.unit_id), sample)
    for sample in latest_per_moderator_and_unit.values():
        transaction.on_commit(lambda sample=sample: _tell(sample, actor, change), robust=True)


def _tell(sample: Sample, actor: User, change: str) -> None:
    moderator = sample.moderator
    notify(recipient=moderator, kind="iqa_interim_moved_on", url=reverse("iqa_sample", args=[sample.pk]),
           context={"name": moderator.first_name or moderator.display_name, "sample": sample.pk,
                    "unit_code": sample.unit.code, "learner_name": str(sample.enrolment.learner),
                    "by": str(actor), "change": change})


@receiver(invitation_accepted, dispatch_uid="moderation.eqa_grants_link")
def link_eqa_grants(sender, invitation, user, **kwargs) -> None:
    if invitation.role == Role.EXTERNAL_MODERATOR:
        eqa_grants_link(invitation=invitation, user=user)


@receiver(post_save, sender=SampleAction, dispatch_uid="moderation.action_saved_forget_owner")
@receiver(post_delete, sender=SampleAction, dispatch_uid="moderation.action_deleted_forget_owner")
def forget_action_owner(sender, instance: SampleAction, **kwargs) -> None:
    """An IQA action opened, done, closed or removed: its owner's cached counts (the navigation's My samples) are
    stale. Actions made with bulk_create forget their owner where they are made (samples.services)."""
    forget_person(instance.owner_id)


@receiver(post_save, sender=SamplingPlan, dispatch_uid="moderation.plan_saved_forget_counts")
@receiver(post_delete, sender=SamplingPlan, dispatch_uid="moderation.plan_deleted_forget_counts")
@receiver(post_save, sender=Sample, dispatch_uid="moderation.sample_saved_forget_counts")
@receiver(post_delete, sender=Sample, dispatch_uid="moderation.sample_deleted_forget_counts")
def forget_plan_counts(sender, instance, **kwargs) -> None:
    """A plan made or replaced, or a sample started or removed: the centre's moderators' "samples due" changed."""
    plan_items_changed(centre_id=instance.centre_id)


@receiver(post_save, sender=PlanItem, dispatch_uid="moderation.item_saved_forget_counts")
@receiver(post_delete, sender=PlanItem, dispatch_uid="moderation.item_deleted_forget_counts")
def forget_item_counts(sender, instance: PlanItem, **kwargs) -> None:
    """An item added, removed or assigned (bulk changes of items forget in their services)."""
    plan = instance._state.fields_cache.get("plan")
    plan_items_changed(centre_id=plan.centre_id if plan is not None else SamplingPlan.objects.filter(
        pk=instance.plan_id).values_list("centre_id", flat=True).first())
