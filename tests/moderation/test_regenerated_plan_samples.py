"""A regenerated plan makes new items; the samples of the items it replaced still count for them, in the queue, on
the item page, for the certification gate and when sampling again."""

import pytest
from django.utils import timezone

from moderation.models import Sample
from moderation.samples.selectors import certification_holds, queue_items, samples_of_item
from moderation.samples.services import sample_start
from portfolios.models import EnrolmentUnit

from .dashboard_world import learners_with_items, make_item, make_plan, make_sample, make_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def regenerated(personas):
    version, strategy = make_strategy(personas)
    strategy.gate_certification = True
    strategy.save()
    first = make_plan(strategy, personas.moderator)
    old_item = learners_with_items(personas, version, first, 1, moderator=personas.moderator)[0]
    sample = make_sample(old_item, personas.moderator)
    first.current = False
    first.save()
    second = make_plan(strategy, personas.moderator, number=2)
    new_item = make_item(second, old_item.enrolment, moderator=personas.moderator)
    return personas, old_item, new_item, sample


def test_the_queue_shows_an_item_signed_on_the_replaced_plan_as_signed(regenerated):
    personas, _, new_item, sample = regenerated
    [row] = queue_items(centre=personas.centre, moderator=personas.moderator)
    assert row.pk == new_item.pk and row.queue_status == "signed" and row.sample_id == sample.pk


def test_the_item_page_lists_the_samples_of_the_replaced_item(regenerated):
    _, _, new_item, sample = regenerated
    assert samples_of_item(new_item) == [sample]


def test_the_certification_gate_counts_the_sample_of_the_replaced_item(regenerated):
    _, old_item, _, _ = regenerated
    assert certification_holds(enrolment=old_item.enrolment) == []


def test_sampling_the_new_item_again_is_a_resample_of_the_earlier_sample(regenerated):
    personas, _, new_item, sample = regenerated
    EnrolmentUnit.objects.filter(enrolment=new_item.enrolment, unit=new_item.unit).update(locked_at=timezone.now())
    again = sample_start(plan_item=new_item, actor=personas.moderator)
    assert again.resample_of == sample and again.status == Sample.Status.STARTED
