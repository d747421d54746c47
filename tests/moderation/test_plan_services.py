import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from moderation.models import PlanItem, SamplingPlan, SamplingStrategy
from moderation.plans.services import (
    PlanError,
    plan_item_add,
    plan_item_assign,
    plan_item_remove,
    plan_seed,
    sampling_plan_generate,
)
from tests.factories import staff
from tests.moderation.plan_world import PlanWorld
from tests.portfolios.factories import make_enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return PlanWorld(personas, assessors=2, learners_each=2, units=2)


def generated(world):
    return sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=world.moderator)


def test_generating_stores_the_seed_and_records_it_in_the_audit_trail(world):
    plan = generated(world)
    assert plan.seed == plan_seed(strategy=world.strategy, cycle_start=plan.cycle_start)
    assert plan.number == 1 and plan.current and plan.generated_by == world.moderator
    event = AuditEvent.objects.get(action="iqa.plan_generated")
    assert event.data["seed"] == plan.seed and event.data["counts"]["items"] == plan.items.count()
    assert all(i.reason.startswith(("coverage: ", "rate: ")) for i in plan.items.all())


def test_items_go_to_the_enrolments_moderator_or_else_the_generating_one(world, personas):
    other = staff(personas.centre, "moderator")
    enrolment = world.enrolments[0]
    enrolment.moderator = other
    enrolment.save(update_fields=["moderator"])
    plan = generated(world)
    moderators = {(i.enrolment_id, i.moderator_id) for i in plan.items.all()}
    assert all(m == (other.pk if e == enrolment.pk else world.moderator.pk) for e, m in moderators)


def test_only_an_approved_strategy_gives_a_plan(world):
    SamplingStrategy.objects.filter(pk=world.strategy.pk).update(status=SamplingStrategy.Status.RETIRED)
    world.strategy.refresh_from_db()
    with pytest.raises(PlanError, match="not approved"):
        generated(world)
    assert not SamplingPlan.objects.exists()


def test_a_cycle_that_overlaps_another_plans_cycle_is_refused(world):
    generated(world)
    SamplingStrategy.objects.filter(pk=world.strategy.pk).update(cycle_start_month=9)
    world.strategy.refresh_from_db()
    with pytest.raises(PlanError, match="overlaps the cycle of plan #1"):
        generated(world)
    assert SamplingPlan.objects.count() == 1


def test_another_centres_moderator_cannot_generate_or_change_the_plan(world, personas):
    stranger = staff(personas.other_centre, "moderator")
    with pytest.raises(PlanError, match="Only an internal moderator"):
        sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=stranger)
    plan = generated(world)
    item = plan.items.first()
    with pytest.raises(PermissionDenied):
        plan_item_remove(item=item, reason="not mine", actor=stranger)
    with pytest.raises(PlanError):
        plan_item_assign(item=item, moderator=stranger, actor=stranger)
    item.refresh_from_db()
    assert item.removed_at is None and item.moderator == world.moderator


def test_an_assessor_cannot_generate_a_plan(world, personas):
    with pytest.raises(PermissionDenied):
        sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.assessor)


def test_removing_an_item_needs_a_reason_and_is_audited(world):
    item = generated(world).items.first()
    with pytest.raises(PlanError, match="Say why"):
        plan_item_remove(item=item, reason="   ", actor=world.moderator)
    item.refresh_from_db()
    assert item.removed_at is None
    plan_item_remove(item=item, reason="Learner withdrew", actor=world.moderator)
    item.refresh_from_db()
    assert item.removed_at and item.removed_reason == "Learner withdrew"
    assert AuditEvent.objects.get(action="iqa.plan_item_removed").data["reason"] == "Learner withdrew"
    with pytest.raises(PlanError, match="already removed"):
        plan_item_remove(item=item, reason="again", actor=world.moderator)


def test_adding_an_item_by_hand_is_kept_with_its_reason(world, personas):
    plan = generated(world)
    enrolment, unit = world.enrolments[-1], world.units[1]  # unit 2 is in progress (interim)
    plan.items.filter(enrolment=enrolment, unit=unit).delete()
    item = plan_item_add(plan=plan, enrolment=enrolment, unit=unit, kind="interim", reason="Concern raised",
                         actor=world.moderator)
    assert item.added_by == world.moderator and item.reason == "added by hand: Concern raised"
    assert AuditEvent.objects.filter(action="iqa.plan_item_added").exists()
    with pytest.raises(PlanError, match="already in the plan"):
        plan_item_add(plan=plan, enrolment=enrolment, unit=unit, kind="interim", reason="again",
                      actor=world.moderator)


@pytest.mark.parametrize("problem", ["no reason", "not signed off", "other qualification", "unit not chosen",
                                     "not a plan kind"])
def test_adding_a_wrong_item_is_refused_and_changes_nothing(world, personas, problem):
    plan = generated(world)
    enrolment, unit, kind, reason = world.enrolments[0], world.units[1], "interim", "why"
    if problem == "no reason":
        reason = ""
    elif problem == "not signed off":
        kind = "summative"
    elif problem == "not a plan kind":
        kind = "observation"
    elif problem == "unit not chosen":
        enrolment = make_enrolment(personas.second_learner, personas.assessor, world.version, units=[world.units[0]])
    else:
        from tests.portfolios.factories import make_spec
        other = make_spec(personas.centre, code="OTHER", units=1, outcomes=1, criteria=1)
        enrolment = make_enrolment(personas.second_learner, personas.assessor, other)
        unit = other.units.get()
    PlanItem.objects.filter(plan=plan, enrolment=enrolment, unit=unit).delete()  # not refused as a duplicate
    before = PlanItem.objects.count()
    with pytest.raises(PlanError):
        plan_item_add(plan=plan, enrolment=enrolment, unit=unit, kind=kind, reason=reason, actor=world.moderator)
    assert PlanItem.objects.count() == before


def test_an_item_is_reassigned_only_to_a_moderator_of_the_centre(world, personas):
    item = generated(world).items.first()
    colleague = staff(personas.centre, "moderator")
    with pytest.raises(PlanError, match="not an internal moderator"):
        plan_item_assign(item=item, moderator=personas.assessor, actor=world.moderator)
    plan_item_assign(item=item, moderator=colleague, actor=world.moderator)
    item.refresh_from_db()
    assert item.moderator == colleague
    assert AuditEvent.objects.get(action="iqa.plan_item_assigned").data["to"] == colleague.pk


def test_a_replaced_plan_can_no_longer_be_changed(world):
    old = generated(world)
    generated(world)
    with pytest.raises(PlanError, match="replaced"):
        plan_item_remove(item=old.items.first(), reason="x", actor=world.moderator)


def test_regenerating_keeps_the_moderators_changes(world, personas):
    plan = generated(world)
    removed, reassigned = plan.items.all()[:2]
    colleague = staff(personas.centre, "moderator")
    plan_item_remove(item=removed, reason="Out of scope", actor=world.moderator)
    plan_item_assign(item=reassigned, moderator=colleague, actor=world.moderator)
    again = generated(world)
    kept = again.items.get(enrolment=removed.enrolment_id, unit=removed.unit_id, kind=removed.kind)
    assert kept.removed_at and kept.removed_reason == "Out of scope"
    assert again.items.get(enrolment=reassigned.enrolment_id, unit=reassigned.unit_id).moderator == colleague
    assert again.summary["diff"] == {"added": [], "removed": []}


def test_a_removed_item_cannot_be_reassigned(world, personas):
    item = generated(world).items.first()
    plan_item_remove(item=item, reason="gone", actor=world.moderator)
    with pytest.raises(PlanError, match="removed"):
        plan_item_assign(item=item, moderator=staff(personas.centre, "moderator"), actor=world.moderator)
