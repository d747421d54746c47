"""The navigation's counts (an assessor's Queue and My samples, a moderator's Moderation) come from the shared cache
under the person's generation: each act that moves one shows on the very next page, without a query when nothing
changed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Review
from assessment.services import review_decide, review_start
from centres.models import Role
from moderation.dashboards.selectors import moderator_items_due_count
from moderation.dashboards.services import plan_items_reassign
from moderation.models import SamplingPlan
from moderation.plans.services import plan_item_remove, sampling_plan_generate
from moderation.samples.services import action_mark_done
from portfolios.enrolments.services import enrolment_change_status
from portfolios.evidence.services import evidence_create, evidence_withdraw
from portfolios.models import Enrolment
from qualifications.models import AssessmentCriterion
from tests.assessment.test_review_rework import submit
from tests.conftest import client_for
from tests.factories import staff
from tests.moderation.sampling_world import Sampling
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def counts(client) -> dict[str, int]:
    """The Queue and My samples counts in the top bar of a page (0 when the place shows none)."""
    html = client.get(reverse("notification_list")).content.decode()
    found = {}
    for label in ("Queue", "My samples", "Moderation"):
        match = re.search(rf'{label}</span>(?: <span class="nav-count">(\d+))?', html)
        if match:
            found[label] = int(match.group(1) or 0)
    return found


@pytest.fixture
def enrolment(personas) -> Enrolment:
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1, criteria=2))


@pytest.fixture
def assessor(personas):
    client = client_for(personas.assessor)
    counts(client)  # the first page of a session asks more (the second factor's check)
    return client


def submitted(enrolment):
    criterion = AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk").first()
    return submit(evidence_create(enrolment=enrolment, actor=enrolment.learner), [criterion])


def test_the_counts_cost_no_query_while_nothing_changes(assessor, enrolment):
    submitted(enrolment)
    assert counts(assessor)["Queue"] == 1
    with CaptureQueriesContext(connection) as warm:
        assert counts(assessor)["Queue"] == 1
    assert not [q for q in warm.captured_queries if "assessment_" in q["sql"] or "moderation_" in q["sql"]]


def test_evidence_submitted_shows_in_the_queue_at_once(assessor, enrolment):
    assert counts(assessor)["Queue"] == 0
    submitted(enrolment)
    assert counts(assessor)["Queue"] == 1


@pytest.mark.parametrize("met, outcome, actions", [(True, Review.Outcome.ACCEPTED, ""),
                                                   (False, Review.Outcome.RETURNED, "Weigh the portions.")])
def test_evidence_decided_or_returned_leaves_the_queue_at_once(assessor, enrolment, personas, met, outcome, actions):
    submission = submitted(enrolment)
    assert counts(assessor)["Queue"] == 1
    review = review_start(submission=submission, actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={c: met for c in submission.claimed},
                  outcome=outcome, feedback="Thank you.", actions=actions)
    assert counts(assessor)["Queue"] == 0


def test_evidence_withdrawn_by_the_learner_leaves_the_queue_at_once(assessor, enrolment):
    evidence = submitted(enrolment).evidence
    assert counts(assessor)["Queue"] == 1
    evidence_withdraw(evidence=evidence, actor=enrolment.learner)
    assert counts(assessor)["Queue"] == 0


def test_a_withdrawn_learner_leaves_the_queue_at_once(assessor, enrolment, personas):
    submitted(enrolment)
    assert counts(assessor)["Queue"] == 1
    enrolment_change_status(enrolment=enrolment, status=Enrolment.Status.WITHDRAWN, actor=personas.admin,
                            reason="Moved away")
    assert counts(assessor)["Queue"] == 0


def test_iqa_actions_recorded_show_in_my_samples_at_once(assessor, personas):
    world = Sampling(personas)
    assert counts(assessor)["My samples"] == 0
    world.signed(actions=[("Check the portion weights", None), ("Date the photos", None)], outcome="agree_advice")
    assert counts(assessor)["My samples"] == 2


def test_iqa_actions_removed_from_a_sample_being_recorded_leave_my_samples_at_once(assessor, personas):
    world = Sampling(personas)
    sample = world.record(world.start(), actions=[("Check the portion weights", None)], outcome="agree_advice")
    assert counts(assessor)["My samples"] == 1
    world.record(sample, actions=())
    assert counts(assessor)["My samples"] == 0


def test_an_iqa_action_done_leaves_my_samples_at_once(assessor, personas):
    world = Sampling(personas)
    sample = world.signed(actions=[("Check the portion weights", None)], outcome="agree_advice")
    assert counts(assessor)["My samples"] == 1
    action_mark_done(action=sample.actions.get(), actor=personas.assessor, note="Weighed them.")
    assert counts(assessor)["My samples"] == 0


@pytest.fixture
def moderator(personas):
    client = client_for(personas.moderator)
    counts(client)
    return client


def due(client) -> int:
    return counts(client)["Moderation"]


def test_a_sample_started_leaves_the_moderators_count_at_once(moderator, personas):
    world = Sampling(personas)
    assert due(moderator) == 2
    world.start()
    assert due(moderator) == 1


def test_an_item_removed_leaves_the_moderators_count_at_once(moderator, personas):
    world = Sampling(personas)
    assert due(moderator) == 2
    plan_item_remove(item=world.item, reason="Sampled last cycle", actor=personas.moderator)
    assert due(moderator) == 1


def test_items_reassigned_move_between_the_moderators_counts_at_once(moderator, personas):
    world = Sampling(personas)
    other = staff(personas.centre, Role.MODERATOR, first_name="Noor", last_name="Newmod")
    theirs = client_for(other)
    assert (due(moderator), due(theirs)) == (2, 0)
    plan_items_reassign(centre=personas.centre, from_moderator=personas.moderator, to_moderator=other,
                        actor=personas.admin)
    assert (due(moderator), due(theirs)) == (0, 2)
    assert world.plan.items.filter(moderator=other).count() == 2


def test_a_plan_generated_shows_in_the_moderators_count_at_once(moderator, personas):
    world = Sampling(personas)
    SamplingPlan.objects.filter(pk=world.plan.pk).delete()
    assert due(moderator) == 0
    plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=world.plan.cycle_start.year,
                                  actor=personas.moderator)
    expected = moderator_items_due_count(centre=personas.centre, moderator=personas.moderator)
    assert plan.items.exists() and expected > 0
    assert due(moderator) == expected
