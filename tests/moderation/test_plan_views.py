import pytest
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role
from moderation.models import PlanItem, SamplingPlan
from moderation.plans.services import sampling_plan_generate
from tests.conftest import client_for
from tests.factories import staff
from tests.moderation.plan_world import PlanWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return PlanWorld(personas, assessors=2, learners_each=2, units=2)


@pytest.fixture
def plan(world, personas):
    return sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)


def test_a_moderator_generates_the_plan_from_the_list(world, personas):
    client = client_for(personas.moderator)
    page = client.get(reverse("iqa_plan_list"))
    assert "Generate a plan" in page.content.decode()
    response = client.post(reverse("iqa_plan_generate"), {"strategy": world.strategy.pk, "cycle_start_year": 2026})
    plan = SamplingPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("iqa_plan_detail", args=[plan.pk])
    again = client.post(reverse("iqa_plan_generate"), {"strategy": world.strategy.pk, "cycle_start_year": 2026},
                        follow=True)
    assert "generated with the same seed: 0 added, 0 removed" in again.content.decode()


def test_the_plan_page_lists_items_with_why_and_filters_them(plan, personas, world):
    client = client_for(personas.moderator)
    page = client.get(reverse("iqa_plan_detail", args=[plan.pk])).content.decode()
    assert "coverage: assessor=" in page and plan.seed in page
    filtered = client.get(reverse("iqa_plan_detail", args=[plan.pk]), {"assessor": personas.assessor.pk})
    shown = {i.assessor_id for i in filtered.context["page"]}
    assert shown == {personas.assessor.pk}


def test_the_plan_page_runs_the_same_queries_for_5_or_20_learners(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, counts = client_for(personas.moderator), []
    for n, code in ((5, "FEW"), (20, "MANY")):
        world = PlanWorld(personas, assessors=1, learners_each=n, units=2, code=code)
        plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)
        client.get(reverse("iqa_plan_detail", args=[plan.pk]))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("iqa_plan_detail", args=[plan.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_moderator_removes_an_item_with_a_reason(plan, personas):
    item = plan.items.first()
    client = client_for(personas.moderator)
    refused = client.post(reverse("iqa_plan_item_remove", args=[item.pk]), {"reason": ""})
    assert refused.status_code == 400
    item.refresh_from_db()
    assert item.removed_at is None
    client.post(reverse("iqa_plan_item_remove", args=[item.pk]), {"reason": "Duplicate"})
    item.refresh_from_db()
    assert item.removed_reason == "Duplicate"


def test_a_moderator_reassigns_an_item(plan, personas):
    item = plan.items.first()
    colleague = staff(personas.centre, Role.MODERATOR)
    response = client_for(personas.moderator).post(reverse("iqa_plan_item_assign", args=[item.pk]),
                                                   {"moderator": colleague.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.moderator == colleague


def test_a_moderator_adds_an_item_by_hand(plan, personas, world):
    enrolment, unit = world.enrolments[0], world.units[1]
    PlanItem.objects.filter(plan=plan, enrolment=enrolment, unit=unit).delete()
    response = client_for(personas.moderator).post(
        reverse("iqa_plan_item_add", args=[plan.pk]),
        {"enrolment": enrolment.pk, "unit": unit.pk, "kind": "interim", "reason": "Complaint"})
    assert response.status_code == 302
    assert plan.items.get(enrolment=enrolment, unit=unit).added_reason == "Complaint"


def test_a_centre_admin_reads_the_plan_but_cannot_change_it(plan, personas):
    client = client_for(personas.admin)
    item = plan.items.first()
    assert client.get(reverse("iqa_plan_detail", args=[plan.pk])).status_code == 200
    assert "Remove from the plan" not in client.get(reverse("iqa_plan_item", args=[item.pk])).content.decode()
    assert client.post(reverse("iqa_plan_item_remove", args=[item.pk]), {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("name,on", [("iqa_plan_detail", "plan"), ("iqa_plan_camera", "plan"),
                                     ("iqa_plan_item_add", "plan"), ("iqa_plan_item", "item"),
                                     ("iqa_plan_item_remove", "item"), ("iqa_plan_item_assign", "item")])
def test_another_centres_moderator_gets_404_and_learners_403(plan, personas, name, on):
    target = plan if on == "plan" else plan.items.first()
    url = reverse(name, args=[target.pk])
    method = "post" if name.endswith(("_remove", "_assign")) else "get"
    stranger = client_for(staff(personas.other_centre, Role.MODERATOR))
    assert getattr(stranger, method)(url, {"reason": "x"} if method == "post" else None).status_code == 404
    assert getattr(client_for(personas.learner), method)(url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="iqa.plan_item").exists()


def test_another_centres_moderator_cannot_generate_our_strategy(world, personas):
    stranger = client_for(staff(personas.other_centre, Role.MODERATOR))
    response = stranger.post(reverse("iqa_plan_generate"), {"strategy": world.strategy.pk, "cycle_start_year": 2026})
    assert response.status_code == 404 and not SamplingPlan.objects.exists()
