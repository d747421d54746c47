"""Each outcome and its consequence: an overturned decision needs a second signer and reopens the unit through the
unlock route (its badge follows the unlock rules); "assessor to act" leaves the unit locked and is re-sampled."""

import pytest
from django.core.exceptions import PermissionDenied

from assessment.models import UnitUnlock
from audit.models import AuditEvent
from badges.models import Award
from centres.models import Role
from centres.services import ServiceError
from moderation.models import Sample
from moderation.samples.services import SampleError, sample_acknowledge, sample_second_sign, sample_sign, sample_start
from notifications.models import Notification
from portfolios.models import EnrolmentUnit
from tests.factories import staff

from .sampling_world import Sampling, accepted_evidence, sign_off_unit

pytestmark = pytest.mark.django_db


def overturned(world) -> Sample:
    sample = world.record(world.start(), outcome="disagree_overturn",
                          feedback="Criterion 1.2 is not evidenced.\nThe photo shows another kitchen.")
    return sample_sign(sample=sample, actor=world.p.moderator, typed_name=world.p.moderator.get_full_name())


def locked(world, unit) -> bool:
    return EnrolmentUnit.objects.get(enrolment=world.enrolment, unit=unit).locked_at is not None


@pytest.mark.parametrize("outcome", ["agree", "agree_advice"])
def test_agreeing_is_final_and_the_unit_stays_locked(personas, outcome):
    world = Sampling(personas)
    sample = world.signed(outcome=outcome)
    assert sample.status == Sample.Status.SIGNED and locked(world, world.units[0])
    assert Notification.objects.filter(user=personas.assessor, kind="iqa_sample_signed").count() == 1


def test_an_overturned_decision_awaits_a_second_signature_and_the_unit_stays_locked(personas):
    world = Sampling(personas)
    sample = overturned(world)
    assert sample.status == Sample.Status.AWAITING_SECOND and locked(world, world.units[0])
    assert not Notification.objects.filter(user=personas.assessor, kind="iqa_sample_signed").exists()
    assert Notification.objects.filter(user=personas.admin, kind="iqa_second_signature").exists()


def test_the_first_signer_cannot_sign_again_as_second(personas):
    world = Sampling(personas)
    sample = overturned(world)
    with pytest.raises(SampleError, match="another moderator or the centre admin"):
        sample_second_sign(sample=sample, actor=personas.moderator, typed_name=personas.moderator.get_full_name())
    sample.refresh_from_db()
    assert sample.status == Sample.Status.AWAITING_SECOND and locked(world, world.units[0])


@pytest.mark.parametrize("interim", [False, True])
def test_an_assessor_or_another_centre_cannot_second_sign(personas, interim):
    world = Sampling(personas)
    if interim:  # no unlock follows, so nothing else would refuse them
        sample = world.record(world.start(world.interim_item), outcome="disagree_overturn", feedback="Not met.")
        sample = sample_sign(sample=sample, actor=personas.moderator, typed_name=personas.moderator.get_full_name())
    else:
        sample = overturned(world)
    for someone in (personas.second_assessor, staff(personas.other_centre, Role.MODERATOR)):
        with pytest.raises(PermissionDenied):
            sample_second_sign(sample=sample, actor=someone, typed_name=someone.get_full_name())
    sample.refresh_from_db()
    assert sample.status == Sample.Status.AWAITING_SECOND


def test_the_second_signature_reopens_the_unit_with_the_sample_as_reason_and_revokes_its_badge(
        personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = Sampling(personas)
    award = Award.objects.get(sign_off=world.sign_offs[0])
    with django_capture_on_commit_callbacks(execute=True):
        sample = sample_second_sign(sample=overturned(world), actor=personas.admin,
                                    typed_name=personas.admin.get_full_name())
    assert sample.status == Sample.Status.SIGNED and sample.second_signed_by == personas.admin
    assert not locked(world, world.units[0])
    unlock = UnitUnlock.objects.get()
    reason = f"IQA sample #{sample.pk}: decision overturned — Criterion 1.2 is not evidenced."
    assert unlock.reason == reason and unlock.unlocked_by == personas.admin
    sign_off = world.sign_offs[0]
    sign_off.refresh_from_db()
    assert sign_off.unlocked_at and sign_off.seal  # the old version stays readable
    award.refresh_from_db()
    assert award.revoked_at and reason in award.revocation_reason
    assert AuditEvent.objects.filter(action="iqa.sample_second_signed", data__unit_unlocked=True).exists()
    assert Notification.objects.filter(user=personas.assessor, kind="iqa_sample_signed").exists()


def test_another_moderator_may_give_the_second_signature(personas):
    world = Sampling(personas)
    second = staff(personas.centre, Role.MODERATOR)
    sample = sample_second_sign(sample=overturned(world), actor=second, typed_name=second.get_full_name())
    assert sample.status == Sample.Status.SIGNED and not locked(world, world.units[0])


def test_an_overturned_interim_decision_is_recorded_without_an_unlock(personas):
    world = Sampling(personas)
    sample = world.record(world.start(world.interim_item), outcome="disagree_overturn", feedback="Not met.")
    sample_sign(sample=sample, actor=personas.moderator, typed_name=personas.moderator.get_full_name())
    sample = sample_second_sign(sample=sample, actor=personas.admin, typed_name=personas.admin.get_full_name())
    assert sample.status == Sample.Status.SIGNED and not UnitUnlock.objects.exists()
    assert Notification.objects.filter(user=personas.assessor, kind="iqa_sample_signed").exists()


def test_assessor_to_act_leaves_the_unit_locked_and_the_re_sample_links_to_the_earlier_one(personas):
    world = Sampling(personas)
    first = world.signed(outcome="disagree_act", feedback="Feedback is not developmental.",
                         actions=[("Rewrite the feedback on 1.2", None)])
    assert first.status == Sample.Status.SIGNED and locked(world, world.units[0])
    again = sample_start(resample_of=first, actor=personas.moderator)
    assert again.resample_of == first and again.plan_item == world.item and again.pk != first.pk
    assert list(first.resamples.all()) == [again]
    first.refresh_from_db()
    assert first.outcome == "disagree_act"  # the earlier record keeps its history


def test_only_a_signed_sample_can_be_re_sampled(personas):
    world = Sampling(personas)
    with pytest.raises(SampleError, match="Only a signed sample"):
        sample_start(resample_of=world.start(), actor=personas.moderator)


def test_the_assessor_acknowledges_a_signed_sample_once(personas):
    world = Sampling(personas)
    sample = world.signed()
    with pytest.raises(PermissionDenied):
        sample_acknowledge(sample=sample, actor=personas.second_assessor)
    sample = sample_acknowledge(sample=sample, actor=personas.assessor)
    assert sample.status == Sample.Status.ACKNOWLEDGED and sample.acknowledged_at
    with pytest.raises(ServiceError, match="only once"):
        sample_acknowledge(sample=sample, actor=personas.assessor)


def test_the_moderator_is_told_when_an_interim_sampled_unit_is_signed_off(personas,
                                                                          django_capture_on_commit_callbacks):
    world = Sampling(personas)
    sample = world.start(world.interim_item)
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_unit(personas, world.enrolment, world.units[-1])
    [told] = Notification.objects.filter(user=personas.moderator, kind="iqa_interim_moved_on",
                                         data__change="signed_off")
    assert told.data["sample"] == sample.pk and told.url.endswith(f"/samples/{sample.pk}/")


def test_starting_a_signed_plan_item_again_is_a_re_sample_of_it(personas):
    world = Sampling(personas)
    first = world.signed()
    again = world.start()
    assert again != first and again.resample_of == first


def test_the_moderator_is_told_of_new_decisions_on_an_interim_sampled_unit(personas,
                                                                          django_capture_on_commit_callbacks):
    world = Sampling(personas, units=3)
    sample = world.start(world.interim_item)
    first_criterion = world.units[-1].criteria.order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        accepted_evidence(world.enrolment, personas.learner, personas.assessor, [first_criterion], title="Later")
    [told] = Notification.objects.filter(user=personas.moderator, kind="iqa_interim_moved_on")
    assert told.data["sample"] == sample.pk and told.data["change"] == "decided"
    assert "New decisions" in told.subject
    with django_capture_on_commit_callbacks(execute=True):  # decisions on another unit tell nobody
        accepted_evidence(world.enrolment, personas.learner, personas.assessor,
                          [world.units[1].criteria.order_by("position").last()], title="Other unit")
    assert Notification.objects.filter(user=personas.moderator, kind="iqa_interim_moved_on").count() == 1
