"""Moving a moderator's open plan items to another moderator: what moves, what stays, who may, and the audit."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Membership, Role
from centres.services import ServiceError
from moderation.dashboards.services import plan_items_reassign
from moderation.models import PlanItem, Sample
from tests.conftest import client_for
from tests.factories import staff
from tests.moderation.external.factories import make_grant

from .dashboard_world import learners_with_items, make_plan, make_sample, make_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    version, strategy = make_strategy(personas)
    plan = make_plan(strategy, personas.moderator)
    new = staff(personas.centre, Role.MODERATOR, first_name="Noor", last_name="Newmod")
    return personas, version, plan, new


def moderators_of(items):
    return [PlanItem.objects.get(pk=i.pk).moderator for i in items]


def test_every_open_item_moves_and_started_or_signed_ones_stay(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 4, moderator=personas.moderator)
    make_sample(items[0], personas.moderator, status=Sample.Status.STARTED)
    make_sample(items[1], personas.moderator)
    moved = plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                                actor=personas.admin)
    assert moved == 2
    assert moderators_of(items) == [personas.moderator, personas.moderator, new, new]


def test_only_one_assessors_items_move_when_an_assessor_is_given(world):
    personas, version, plan, new = world
    first = learners_with_items(personas, version, plan, 2, moderator=personas.moderator)
    second = learners_with_items(personas, version, plan, 2, assessor=personas.second_assessor,
                                 moderator=personas.moderator)
    plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                        assessor=personas.second_assessor, actor=personas.moderator)
    assert moderators_of(first) == [personas.moderator] * 2 and moderators_of(second) == [new] * 2


def test_unassigned_items_can_be_given_to_a_moderator(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 2)
    plan_items_reassign(centre=personas.centre, from_moderator=None, to_moderator=new, actor=personas.admin)
    assert moderators_of(items) == [new, new]


def test_the_move_is_audited_with_the_items(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 2, moderator=personas.moderator)
    plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                        actor=personas.admin)
    event = AuditEvent.objects.get(action="plan_items.reassigned")
    assert event.actor == personas.admin and event.centre_id == personas.centre.pk
    assert event.data["from"] == personas.moderator.email and event.data["to"] == new.email
    assert sorted(event.data["items"]) == sorted(i.pk for i in items)


@pytest.mark.parametrize("who", ["assessor", "external_moderator", "learner", "other_centre_assessor"])
def test_only_admins_and_moderators_may_reassign(world, who):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    with pytest.raises(ServiceError):
        plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                            actor=getattr(personas, who))
    assert moderators_of(items) == [personas.moderator]
    assert not AuditEvent.objects.filter(action="plan_items.reassigned").exists()


def test_items_only_go_to_a_current_moderator_of_the_centre(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    for target in (personas.assessor, staff(personas.other_centre, Role.MODERATOR)):
        with pytest.raises(ServiceError, match="not a moderator"):
            plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=target,
                                actor=personas.admin)
    Membership.objects.filter(user=new).update(ended_at="2026-01-01T00:00Z")
    with pytest.raises(ServiceError, match="not a moderator"):
        plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                            actor=personas.admin)
    assert moderators_of(items) == [personas.moderator]


def test_moving_to_the_same_moderator_or_with_nothing_open_is_refused(world):
    personas, version, plan, new = world
    with pytest.raises(ServiceError, match="two different"):
        plan_items_reassign(centre=personas.centre, from_moderator=new, to_moderator=new, actor=personas.admin)
    with pytest.raises(ServiceError, match="no open items"):
        plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=new,
                            actor=personas.admin)


def test_another_centres_items_are_never_moved(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    other_admin = staff(personas.other_centre, Role.CENTRE_ADMIN)
    other_mod = staff(personas.other_centre, Role.MODERATOR)
    with pytest.raises(ServiceError, match="no open items"):
        plan_items_reassign(centre=personas.other_centre, from_moderator=personas.moderator, to_moderator=other_mod,
                            actor=other_admin)
    assert moderators_of(items) == [personas.moderator]


def test_the_admin_moves_items_from_the_dashboard(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 2, moderator=personas.moderator)
    response = client_for(personas.admin).post(reverse("iqa_reassign"), {
        "from_moderator": personas.moderator.pk, "to_moderator": new.pk, "assessor": ""}, follow=True)
    assert "2 items moved to Noor Newmod." in response.content.decode()
    assert moderators_of(items) == [new, new]


def test_the_unassigned_items_are_moved_only_when_chosen_on_purpose(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 2)
    client = client_for(personas.moderator)
    response = client.post(reverse("iqa_reassign"), {"to_moderator": new.pk}, follow=True)
    assert "Choose whose items to move" in response.content.decode()
    assert moderators_of(items) == [None, None]
    client.post(reverse("iqa_reassign"), {"from_moderator": "unassigned", "to_moderator": new.pk})
    assert moderators_of(items) == [new, new]


def test_the_form_refuses_a_moderator_of_another_centre(world):
    personas, version, plan, _ = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    stranger = staff(personas.other_centre, Role.MODERATOR)
    response = client_for(personas.admin).post(reverse("iqa_reassign"), {
        "from_moderator": personas.moderator.pk, "to_moderator": stranger.pk}, follow=True)
    assert "Choose whose items to move" in response.content.decode()
    assert moderators_of(items) == [personas.moderator]


@pytest.mark.parametrize("who", ["assessor", "learner", "external_moderator", "other_centre_assessor"])
def test_people_without_the_role_cannot_post_a_reassignment(world, who):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the centre, and may not write to it
    response = client_for(getattr(personas, who)).post(reverse("iqa_reassign"), {
        "from_moderator": personas.moderator.pk, "to_moderator": new.pk})
    assert response.status_code == 403
    assert moderators_of(items) == [personas.moderator]


def test_an_external_moderator_without_a_grant_gets_404_from_a_reassignment(world):
    personas, version, plan, new = world
    items = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)
    response = client_for(personas.external_moderator).post(reverse("iqa_reassign"), {
        "from_moderator": personas.moderator.pk, "to_moderator": new.pk})
    assert response.status_code == 404
    assert moderators_of(items) == [personas.moderator]


def test_reassignment_is_post_only(world):
    personas, *_ = world
    assert client_for(personas.admin).get(reverse("iqa_reassign")).status_code == 405
