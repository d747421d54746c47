"""The IQA dashboard: what it counts per assessor and per moderator, whose items a moderator sees, who may open it,
and that it costs the same number of queries at 5 learners as at 30."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from centres.models import Membership, Role
from moderation.dashboards.selectors import moderator_dashboard
from moderation.models import Observation, RiskTier, Sample, SampleAction, SampleKind, TierRate
from portfolios.models import EnrolmentUnit
from tests.conftest import client_for
from tests.factories import staff
from tests.moderation.external.factories import make_grant

from .dashboard_world import (
    days,
    learners_with_items,
    make_action,
    make_item,
    make_observation,
    make_plan,
    make_sample,
    make_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    version, strategy = make_strategy(personas)
    plan = make_plan(strategy, personas.moderator)
    return personas, version, strategy, plan


def row_of(rows, person):
    return next(r.counts for r in rows if r.person == person)


def test_items_are_counted_planned_done_and_left_per_assessor(world):
    personas, version, _, plan = world
    items = learners_with_items(personas, version, plan, 3, moderator=personas.moderator)
    learners_with_items(personas, version, plan, 2, assessor=personas.second_assessor, moderator=personas.moderator)
    make_sample(items[0], personas.moderator)  # signed: done
    make_sample(items[1], personas.moderator, status=Sample.Status.STARTED)  # in progress: not done
    dashboard = moderator_dashboard(centre=personas.centre, moderator=personas.moderator)
    first = row_of(dashboard.assessors, personas.assessor)
    assert (first.planned, first.done, first.remaining, first.overdue) == (3, 1, 2, 0)
    assert row_of(dashboard.assessors, personas.second_assessor).planned == 2
    assert (dashboard.totals.planned, dashboard.totals.done, dashboard.totals.done_percent) == (5, 1, 20)


def test_an_interim_item_whose_unit_is_already_signed_off_is_overdue(world):
    personas, version, _, plan = world
    item = learners_with_items(personas, version, plan, 1)[0]
    item.kind = SampleKind.INTERIM
    item.save()
    assert moderator_dashboard(centre=personas.centre).totals.overdue == 0
    EnrolmentUnit.objects.filter(enrolment=item.enrolment, unit=item.unit).update(locked_at=timezone.now())
    assert moderator_dashboard(centre=personas.centre).totals.overdue == 1


def test_open_items_of_an_ended_cycle_stay_on_the_dashboard_as_overdue_and_done_ones_leave(world):
    personas, version, strategy, _ = world
    last_year = make_plan(strategy, personas.moderator, start_year=strategy.cycle_start_year_of(days(0)) - 1)
    open_item, done_item = learners_with_items(personas, version, last_year, 2)
    make_sample(done_item, personas.moderator)
    totals = moderator_dashboard(centre=personas.centre).totals
    assert (totals.planned, totals.done, totals.overdue) == (1, 0, 1)


def test_removed_items_and_replaced_plans_are_not_counted(world):
    personas, version, strategy, plan = world
    removed = learners_with_items(personas, version, plan, 2)[0]
    removed.removed_at = timezone.now()
    removed.save()
    old = make_plan(strategy, personas.moderator, current=False, number=2)
    learners_with_items(personas, version, old, 3)
    assert moderator_dashboard(centre=personas.centre).totals.planned == 1


def test_a_plan_for_a_cycle_that_has_not_started_is_not_counted_yet(world):
    personas, version, strategy, _ = world
    next_year = make_plan(strategy, personas.moderator, start_year=strategy.cycle_start_year_of(days(0)) + 1)
    learners_with_items(personas, version, next_year, 2)
    assert moderator_dashboard(centre=personas.centre).totals.planned == 0


def test_actions_count_open_overdue_and_to_close(world):
    personas, version, _, plan = world
    item = learners_with_items(personas, version, plan, 1)[0]
    sample = make_sample(item, personas.moderator, outcome=Sample.Outcome.DISAGREE_ACT)
    make_action(sample, due=days(-2))  # open, overdue
    make_action(sample, due=days(5))  # open
    make_action(sample, due=days(-9), status=SampleAction.Status.DONE)  # awaiting the moderator: not overdue
    make_action(sample, due=days(-9), status=SampleAction.Status.CLOSED)  # closed: gone
    counts = row_of(moderator_dashboard(centre=personas.centre, moderator=personas.moderator).assessors,
                    personas.assessor)
    assert (counts.open_actions, counts.overdue_actions, counts.actions_to_close) == (3, 1, 1)


def test_scheduled_observations_are_due_and_past_ones_overdue(world):
    personas, *_ = world
    make_observation(personas, on=days(-1))
    make_observation(personas, on=days(3))
    make_observation(personas, on=days(-5), status=Observation.Status.RECORDED)
    counts = row_of(moderator_dashboard(centre=personas.centre).assessors, personas.assessor)
    assert (counts.observations_due, counts.observations_overdue) == (2, 1)


def test_a_moderator_sees_their_items_and_unassigned_ones_but_not_another_moderators(world):
    personas, version, _, plan = world
    other = staff(personas.centre, "moderator")
    learners_with_items(personas, version, plan, 2, moderator=personas.moderator)
    learners_with_items(personas, version, plan, 1)  # unassigned
    theirs = learners_with_items(personas, version, plan, 4, moderator=other)
    make_action(make_sample(theirs[0], other), due=days(1))
    mine = moderator_dashboard(centre=personas.centre, moderator=personas.moderator)
    assert (mine.totals.planned, mine.totals.open_actions) == (3, 0)
    everyone = moderator_dashboard(centre=personas.centre)
    assert everyone.totals.planned == 7
    assert row_of(everyone.moderators, other).planned == 4
    assert row_of(everyone.moderators, None).planned == 1  # the "not assigned" row


def test_cycle_progress_is_days_elapsed_over_days_in_the_cycle(world):
    personas, version, strategy, _ = world
    today = datetime.date(2027, 1, 30)  # day 183 of 1 August 2026 - 31 July 2027 (365 days)
    plan = make_plan(strategy, personas.moderator, today=today, number=3, current=False)
    plan.current = True
    type(plan).objects.filter(strategy=strategy).exclude(pk=plan.pk).update(current=False)
    plan.save()
    learners_with_items(personas, version, plan, 1)
    row = moderator_dashboard(centre=personas.centre, today=today).plans[0]
    assert (row.days_elapsed, row.cycle_days, row.elapsed_percent) == (183, 365, 50)


def test_the_dashboard_costs_the_same_queries_at_5_and_30_learners(world, django_assert_num_queries):
    personas, version, strategy, plan = world
    other = staff(personas.centre, "moderator")

    def grow(n):
        items = learners_with_items(personas, version, plan, n, moderator=personas.moderator)
        learners_with_items(personas, version, plan, n, assessor=personas.second_assessor, moderator=other)
        for item in items[: n // 2]:
            make_action(make_sample(item, personas.moderator), due=days(-1))
        make_observation(personas, on=days(n))

    client = client_for(personas.admin)
    client.get(reverse("home"))  # the first request of a session also checks the second factor
    grow(5)
    client.get(reverse("iqa_dashboard"))  # the writes forgot the people concerned: warm the cache
    with django_assert_num_queries(DASHBOARD_PAGE_QUERIES):
        small = client.get(reverse("iqa_dashboard"))
    grow(25)
    client.get(reverse("iqa_dashboard"))  # and again after the second lot of writes
    with django_assert_num_queries(DASHBOARD_PAGE_QUERIES):
        big = client.get(reverse("iqa_dashboard"))
    assert small.status_code == big.status_code == 200
    assert big.context["dashboard"].totals.planned == 60


# Warm, the user, the memberships and the notification count come from the cache; the dashboard: plan items,
# actions and observations (one
# aggregate each), the plans, the centre's moderators, the people's names; the reassignment form's moderators
# (twice: from and to) and assessors (9 so far). Then the observation targets (issue 11, point 8), which grow
# with the number of approved strategies, never with learners: the approved strategies and their tier rates (2),
# the risk tiers of the one strategy here (5), the recorded observations of its cycle (1).
DASHBOARD_PAGE_QUERIES = 9 + 2 + 5 + 1


def test_the_page_states_how_each_number_is_worked_out(world):
    personas, *_ = world
    page = client_for(personas.moderator).get(reverse("iqa_dashboard")).content.decode()
    for words in ("How these numbers are worked out", "Done % = done ÷ planned", "interim item whose unit",
                  "Days since the cycle started"):
        assert words in page


def test_a_moderator_sees_their_own_sampling_and_can_ask_for_every_moderator(world):
    personas, *_ = world
    client = client_for(personas.moderator)
    mine = client.get(reverse("iqa_dashboard"))
    assert mine.context["dashboard"].moderator == personas.moderator and mine.context["form"] is None
    everyone = client.get(reverse("iqa_dashboard") + "?scope=all")
    assert everyone.context["dashboard"].moderator is None and everyone.context["form"] is not None


def test_the_centre_admin_sees_every_moderator_with_the_reassignment_form(world):
    personas, *_ = world
    response = client_for(personas.admin).get(reverse("iqa_dashboard"))
    assert response.context["dashboard"].moderator is None
    assert f'action="{reverse("iqa_reassign")}"' in response.content.decode()


@pytest.mark.parametrize("who", ["learner", "assessor", "external_moderator", "other_centre_assessor",
                                 "other_centre_learner"])
def test_learners_assessors_and_eqa_cannot_open_the_dashboard(world, who):
    personas, *_ = world
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the centre, and the dashboard is not theirs to read
    assert client_for(getattr(personas, who)).get(reverse("iqa_dashboard")).status_code == 403


def test_an_external_moderator_without_a_grant_gets_404_from_the_dashboard(world):
    personas, *_ = world
    assert client_for(personas.external_moderator).get(reverse("iqa_dashboard")).status_code == 404


def test_another_centres_admin_sees_only_their_own_centre(world):
    personas, version, _, plan = world
    items = learners_with_items(personas, version, plan, 2)
    make_action(make_sample(items[0], personas.moderator), due=days(-1))
    make_observation(personas, on=days(-1))
    other_admin = staff(personas.other_centre, "centre_admin")
    response = client_for(other_admin).get(reverse("iqa_dashboard"))
    assert response.status_code == 200
    totals = response.context["dashboard"].totals
    assert (totals.planned, totals.open_actions, totals.observations_due) == (0, 0, 0)
    assert personas.assessor.display_name not in response.content.decode()


def test_the_navigation_shows_moderation_to_moderators_and_admins_only(world):
    personas, *_ = world
    link = f'href="{reverse("iqa_dashboard")}"'
    assert link in client_for(personas.moderator).get(reverse("home")).content.decode()
    assert link in client_for(personas.admin).get(reverse("home")).content.decode()
    assert link not in client_for(personas.assessor).get(reverse("home")).content.decode()
    assert link not in client_for(personas.learner).get(reverse("home")).content.decode()


def test_the_moderators_home_shows_items_left_and_actions_to_close(world):
    personas, version, _, plan = world
    items = learners_with_items(personas, version, plan, 3, moderator=personas.moderator)
    make_action(make_sample(items[0], personas.moderator), due=days(1), status=SampleAction.Status.DONE)
    response = client_for(personas.moderator).get(reverse("home"))
    assert (response.context["iqa"].totals.remaining, response.context["iqa"].totals.actions_to_close) == (2, 1)
    assert "Open the moderation dashboard" in response.content.decode()


def test_the_assessors_home_lists_their_open_iqa_actions(world):
    personas, version, _, plan = world
    item = learners_with_items(personas, version, plan, 1)[0]
    sample = make_sample(item, personas.moderator, outcome=Sample.Outcome.DISAGREE_ACT)
    make_action(sample, due=days(-1), text="Re-check the temperature log against 1.2")
    make_action(sample, due=days(3), status=SampleAction.Status.DONE, text="Already done")
    page = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert "IQA: 1 open action" in page and "Re-check the temperature log against 1.2" in page
    assert "Already done" not in page
    assert '<span class="nav-count">1<' in page  # beside "My samples" in the navigation
    other_page = client_for(personas.second_assessor).get(reverse("home")).content.decode()
    assert "Re-check the temperature log" not in other_page and "nav-count" not in other_page


def test_a_sample_signed_before_the_plan_was_regenerated_still_counts_as_done(world):
    personas, version, strategy, plan = world
    item = learners_with_items(personas, version, plan, 1, moderator=personas.moderator)[0]
    make_sample(item, personas.moderator)
    plan.current = False
    plan.save()
    regenerated = make_plan(strategy, personas.moderator, number=2)
    make_item(regenerated, item.enrolment, moderator=personas.moderator)
    totals = moderator_dashboard(centre=personas.centre).totals
    assert (totals.planned, totals.done) == (1, 1)


def not_qualified(personas, assessor=None):
    Membership.objects.filter(centre=personas.centre, user=assessor or personas.assessor,
                              role=Role.ASSESSOR).update(qualified=False)


def test_a_high_tier_assessor_needs_two_observations_and_is_short_until_both_are_recorded(world):
    personas, version, strategy, plan = world
    learners_with_items(personas, version, plan, 2)
    not_qualified(personas)
    client = client_for(personas.admin)
    target = next(r for r in moderator_dashboard(centre=personas.centre).assessors
                  if r.person == personas.assessor).observations
    assert (target.tier, target.recorded, target.required, target.short) == (RiskTier.HIGH, 0, 2, True)
    page = client.get(reverse("iqa_dashboard")).content.decode()
    assert "0 of 2" in page and '<strong class="flag">short</strong>' in page
    assert "observations a year × cycle length in months ÷ 12" in page

    make_observation(personas, on=days(0), status=Observation.Status.RECORDED)
    make_observation(personas, on=days(1))  # scheduled, not yet recorded: not counted
    make_observation(personas, on=plan.cycle_start - datetime.timedelta(days=1),
                     status=Observation.Status.RECORDED)  # last cycle's: not counted
    page = client.get(reverse("iqa_dashboard")).content.decode()
    assert "1 of 2" in page and '<strong class="flag">short</strong>' in page

    make_observation(personas, on=days(0), status=Observation.Status.RECORDED)
    page = client.get(reverse("iqa_dashboard")).content.decode()
    assert "2 of 2" in page and '<strong class="flag">short</strong>' not in page


def test_the_required_observations_use_the_strategys_tier_rate_scaled_to_the_cycle_length(world):
    personas, version, strategy, plan = world
    not_qualified(personas)
    TierRate.objects.create(strategy=strategy, tier=RiskTier.HIGH, learner_percent=100, unit_percent=100,
                            interim_percent=50, observations_per_year=3)
    strategy.cycle_months = 6
    strategy.save()
    learners_with_items(personas, version, plan, 1)
    target = next(r for r in moderator_dashboard(centre=personas.centre).assessors
                  if r.person == personas.assessor).observations
    assert target.required == 2  # ceil(3 × 6 ÷ 12)


def test_with_items_in_two_qualifications_the_higher_requirement_counts(world):
    personas, version, strategy, plan = world
    learners_with_items(personas, version, plan, 1)
    for tier in RiskTier:  # the first qualification asks for 4 whatever the tier; the second keeps the defaults
        TierRate.objects.create(strategy=strategy, tier=tier, learner_percent=100, unit_percent=100,
                                interim_percent=50, observations_per_year=4)
    other_version, other_strategy = make_strategy(personas, code="IQA-DASH-2")
    learners_with_items(personas, other_version, make_plan(other_strategy, personas.moderator), 1)
    dashboard = moderator_dashboard(centre=personas.centre)
    assert next(r for r in dashboard.assessors if r.person == personas.assessor).observations.required == 4


def test_an_assessor_with_no_items_shows_no_observation_target(world):
    personas, *_ = world
    make_observation(personas, on=days(-1))  # on the dashboard through the overdue observation only
    row = next(r for r in moderator_dashboard(centre=personas.centre).assessors if r.person == personas.assessor)
    assert row.observations is None
