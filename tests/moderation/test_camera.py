import re

import pytest
from django.urls import reverse

from centres.models import Membership
from moderation.models import Sample
from moderation.plans.selectors import camera_coverage
from moderation.plans.services import plan_item_remove, sampling_plan_generate
from tests.conftest import client_for
from tests.moderation.plan_world import PlanWorld

pytestmark = pytest.mark.django_db


def plan_for(personas, learners_each, **kwargs):
    world = PlanWorld(personas, assessors=2, learners_each=learners_each, units=3, **kwargs)
    return world, sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)


def test_a_fully_covered_plan_is_100_percent_on_every_planned_dimension_and_records_wait_for_samples(personas):
    _world, plan = plan_for(personas, 2)
    coverage = camera_coverage(plan=plan)
    assert [d.percent for d in coverage.dimensions] == [100, 100, 100, 100, 100, 0]
    assert len(coverage.rows) == 2 and coverage.units == ["IQA-U1", "IQA-U2", "IQA-U3"]
    assert all(cell.state in ("ok", "amber") for _name, _tier, cells in coverage.rows for cell in cells)


def test_a_cell_with_nothing_sampled_is_red_and_lowers_the_elements_compliance(personas):
    world, plan = plan_for(personas, 2)
    for item in plan.items.filter(assessor=personas.assessor, unit=world.units[0]):
        plan_item_remove(item=item, reason="test", actor=personas.moderator)
    coverage = camera_coverage(plan=plan)
    row = next(cells for name, _tier, cells in coverage.rows if name == personas.assessor.display_name)
    assert row[0].state == "red" and row[0].sampled == 0 and row[0].assessed == 2
    elements = next(d for d in coverage.dimensions if d.letter == "E")
    assert (elements.covered, elements.of) == (5, 6)


def test_the_spread_shows_age_band_and_gender_only_where_recorded(personas):
    world, plan = plan_for(personas, 2)
    coverage = camera_coverage(plan=plan)
    assert [s.label for s in coverage.age_bands] == [""]
    Membership.objects.filter(user=world.enrolments[0].learner, role="learner").update(age_band="19-24",
                                                                                       gender="female")
    plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)
    coverage = camera_coverage(plan=plan)
    assert {s.label: s.sampled for s in coverage.age_bands}["19-24"] == 1
    page = client_for(personas.moderator).get(reverse("iqa_plan_camera", args=[plan.pk])).content.decode()
    assert "Age band" in page and "female" in page


def test_the_camera_page_runs_the_same_queries_for_5_or_20_learners(personas, django_assert_num_queries):
    client = client_for(personas.moderator)
    counts = []
    for n, code in ((5, "SMALL"), (20, "LARGE")):
        world = PlanWorld(personas, assessors=1, learners_each=n, units=2, code=code)
        plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)
        url = reverse("iqa_plan_camera", args=[plan.pk])
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[1]):
        client.get(url)


def test_the_camera_page_is_a_table_with_a_legend_and_formulae(personas):
    _world, plan = plan_for(personas, 2)
    page = client_for(personas.moderator).get(reverse("iqa_plan_camera", args=[plan.pk])).content.decode()
    assert "<table class=\"iqap-matrix\">" in page and "covered combinations ÷ combinations assessed this cycle" in page
    assert "red: assessed, nothing sampled" in page
    assert not re.search(r"\sstyle=|\son[a-z]+=|<script", page.split("<main", 1)[-1].split("</main>")[0])


def test_another_centres_staff_cannot_open_the_camera_page(personas):
    _world, plan = plan_for(personas, 1)
    from centres.models import Role
    from tests.factories import staff
    url = reverse("iqa_plan_camera", args=[plan.pk])
    assert client_for(staff(personas.other_centre, Role.MODERATOR)).get(url).status_code == 404
    assert client_for(staff(personas.other_centre, Role.CENTRE_ADMIN)).get(url).status_code == 404
    assert client_for(personas.learner).get(url).status_code == 403
    assert client_for(personas.assessor).get(url).status_code == 403


def test_records_count_the_sampled_items_whose_signed_sample_checked_the_records(personas):
    _world, plan = plan_for(personas, 2)
    [records] = [d for d in camera_coverage(plan=plan).dimensions if d.letter == "R"]
    assert (records.covered, records.of) == (0, plan.items.filter(removed_at__isnull=True).count())
    item = plan.items.filter(removed_at__isnull=True).order_by("position").first()
    Sample.objects.create(centre=plan.centre, plan_item=item, enrolment=item.enrolment, unit=item.unit,
                          assessor=item.assessor, moderator=personas.moderator, kind=item.kind,
                          status=Sample.Status.SIGNED, outcome=Sample.Outcome.AGREE,
                          process_checks={"records_accurate": {"ok": False, "note": "Dates missing"}})
    [records] = [d for d in camera_coverage(plan=plan).dimensions if d.letter == "R"]
    assert records.covered == 1
    page = client_for(personas.moderator).get(reverse("iqa_plan_camera", args=[plan.pk])).content.decode()
    assert "Records (sampled items whose records were checked, so far)" in page
