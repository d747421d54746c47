"""The demo centre's IQA: an approved strategy, this cycle's plan, one agreed sample and one with an open action for
assessor 1, made once however often the demo is seeded."""

import pytest

from leap import demo
from moderation.models import Sample, SampleAction, SamplingPlan, SamplingStrategy

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_strategy_a_plan_and_two_signed_samples_of_assessor_1_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    centre, _ = demo.seed_demo()
    demo.seed_demo()
    strategy = SamplingStrategy.objects.get(centre=centre)
    assert strategy.status == SamplingStrategy.Status.APPROVED
    assert strategy.qualification.code == demo.Enrolment.objects.get(
        learner__email=demo.LEARNERS[0].email).version.qualification.code
    plan = SamplingPlan.objects.get(centre=centre)
    assert plan.current and plan.items.exists()
    samples = Sample.objects.filter(centre=centre)
    assert sorted(samples.values_list("outcome", "status")) == [
        (Sample.Outcome.AGREE, Sample.Status.SIGNED), (Sample.Outcome.DISAGREE_ACT, Sample.Status.SIGNED)]
    assert {s.assessor.email for s in samples} == {demo.ASSESSORS[0].email}
    assert {s.moderator.email for s in samples} == {demo.MODERATOR_EMAIL}
    action = SampleAction.objects.get(sample__centre=centre)
    assert action.status == SampleAction.Status.OPEN and action.owner.email == demo.ASSESSORS[0].email
