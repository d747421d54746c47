"""Assessment acts a moderator must hear of: an interim-sampled unit moved on (signed off).

Assessment sends no signal for new decisions: those show on the sample page (`snapshot_changes`) only.
"""

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from accounts.models import User
from assessment.services import unit_signed_off
from notifications.services import notify

from .models import Sample, SampleKind


@receiver(unit_signed_off, dispatch_uid="moderation.interim_moved_on")
def tell_interim_moderators(sender, sign_off, actor: User, **kwargs) -> None:
    enrolment_unit = sign_off.enrolment_unit
    samples = (Sample.objects.filter(enrolment_id=enrolment_unit.enrolment_id, unit_id=enrolment_unit.unit_id,
                                     kind=SampleKind.INTERIM).select_related("moderator", "unit",
                                                                             "enrolment__learner")
               .order_by("-started_at", "-pk"))
    latest_per_moderator = {}
    for sample in samples:
        latest_per_moderator.setdefault(sample.moderator_id, sample)
    for sample in latest_per_moderator.values():
        transaction.on_commit(lambda sample=sample: _tell(sample, actor), robust=True)


def _tell(sample: Sample, actor: User) -> None:
    moderator = sample.moderator
    notify(recipient=moderator, kind="iqa_interim_moved_on", url=reverse("iqa_sample", args=[sample.pk]),
           context={"name": moderator.first_name or moderator.display_name, "sample": sample.pk,
                    "unit_code": sample.unit.code, "learner_name": str(sample.enrolment.learner),
                    "by": str(actor)})
