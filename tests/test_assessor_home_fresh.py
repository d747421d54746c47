"""The assessor's home is kept per assessor (their generation, and the centre's assessment generation), and each
change of what it shows shows at once: evidence submitted and decided, a decision by anyone at the centre awaiting
countersignature, plans, enrolments, criteria met, learners renamed, prior learning imported and decided, IQA
actions opened. The guards prove the cache is in play: without the receiver that forgets, the page stays stale."""

import contextlib
import re

import pytest
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from assessment import receivers as assessment_receivers
from assessment.models import Review
from portfolios.models import AchievedCriterion, Enrolment, EvidenceSubmission
from qualifications.models import AssessmentCriterion
from records.transfers.models import PriorLearningClaim
from tests.assessment.test_queue import submitted
from tests.conftest import client_for
from tests.factories import learner
from tests.portfolios.factories import make_enrolment
from tests.records.transfers.transfer_world import imported, transfer
from tests.test_home_numbers import _decision_awaiting_countersign, _plan, centre, figure  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


@contextlib.contextmanager
def disconnected(receiver, sender, uid: str, signals=(post_save, post_delete)):
    """The receiver not connected, for a guard: the page must then show the old figures."""
    for signal in signals:
        assert signal.disconnect(receiver, sender=sender, dispatch_uid=uid)
    try:
        yield
    finally:
        for signal in signals:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)


def test_guard_a_second_visit_is_served_from_the_cache(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert "on break" not in home(client).split("My caseload")[1]
    Enrolment.objects.filter(pk=centre["maya"].pk).update(status=Enrolment.Status.ON_BREAK)  # fires no signal
    assert "on break" not in home(client).split("My caseload")[1]  # nothing told the cache


def test_evidence_submitted_for_their_learner_is_waiting_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert figure(home(client), "Evidence to review")["value"] == "3"
    submitted(centre["maya"], "Just now", days_ago=0.1)
    assert figure(home(client), "Evidence to review")["value"] == "4"


def test_a_decision_awaiting_countersignature_anywhere_at_the_centre_shows_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert figure(home(client), "Decisions to countersign")["value"] == "1"
    # The trainee decides on their own learner: nothing of the assessor's caseload changes.
    theirs = make_enrolment(learner(personas.centre, personas.second_assessor), personas.second_assessor,
                            centre["version"])
    _decision_awaiting_countersign(theirs, personas.second_assessor)
    assert figure(home(client), "Decisions to countersign")["value"] == "2"


def test_a_countersignature_shows_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert figure(home(client), "Decisions to countersign")["value"] == "1"
    review = Review.objects.get(needs_countersign=True)
    review.countersigned_by, review.countersigned_at = personas.assessor, timezone.now()
    review.save(update_fields=["countersigned_by", "countersigned_at"])
    assert figure(home(client), "Decisions to countersign")["value"] == "0"


def test_guard_without_the_review_receiver_the_countersign_figure_stays_stale(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert figure(home(client), "Decisions to countersign")["value"] == "1"
    theirs = make_enrolment(learner(personas.centre, personas.second_assessor), personas.second_assessor,
                            centre["version"])
    evidence = submitted(theirs, "Decided by a trainee", days_ago=2)
    with disconnected(assessment_receivers.review_changed, Review, "assessment.review_changed"):
        Review.objects.create(submission=EvidenceSubmission.objects.get(evidence=evidence),
                              assessor=personas.second_assessor, outcome=Review.Outcome.ACCEPTED,
                              decided_at=timezone.now(), needs_countersign=True)
        assert figure(home(client), "Decisions to countersign")["value"] == "1"


def test_a_plan_to_sign_shows_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert figure(home(client), "Plans to sign")["value"] == "1"
    _plan(centre["second"], items=1)
    assert figure(home(client), "Plans to sign")["value"] == "2"


def test_an_enrolment_put_on_break_shows_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert "on break" not in home(client).split("My caseload")[1]
    maya = centre["maya"]
    maya.status = Enrolment.Status.ON_BREAK
    maya.save(update_fields=["status"])
    assert "1 on break" in home(client).split("My caseload")[1]


def test_criteria_met_change_the_caseload_percent_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert "10% ·" in home(client).split("Most recently active")[1]
    criterion = AssessmentCriterion.objects.filter(unit__version=centre["version"]).order_by("position")[1]
    AchievedCriterion.objects.create(enrolment=centre["maya"], criterion=criterion, unit_id=criterion.unit_id)
    recent = home(client).split("Most recently active")[1]
    assert "20% ·" in recent and "10% ·" not in recent


def test_a_renamed_learner_shows_under_the_new_name_at_once(personas, centre):  # noqa: F811
    client = client_for(personas.assessor)
    assert "Renamed" not in home(client)
    personas.learner.first_name = "Renamed"
    personas.learner.save(update_fields=["first_name"])
    assert "Renamed" in home(client).split("Most recently active")[1]


def test_guard_without_the_rename_receiver_the_old_name_stays(personas, centre):  # noqa: F811
    from django.contrib.auth import get_user_model

    client = client_for(personas.assessor)
    home(client)
    with disconnected(assessment_receivers.learner_renamed, get_user_model(),
                      "assessment.learner_renamed", signals=(post_save,)):
        personas.learner.first_name = "Renamed"
        personas.learner.save(update_fields=["first_name"])
        assert "Renamed" not in home(client)


def test_an_iqa_action_opened_for_them_shows_at_once(personas, centre):  # noqa: F811
    from tests.moderation.dashboard_world import make_action, make_item, make_plan, make_sample, make_strategy

    client = client_for(personas.assessor)
    assert "Tidy the feedback" not in home(client)
    plan = make_plan(make_strategy(personas)[1], personas.moderator)
    sample = make_sample(make_item(plan, centre["maya"]), personas.moderator)
    make_action(sample, due=timezone.localdate(), text="Tidy the feedback")
    assert "Tidy the feedback" in home(client)


@pytest.fixture
def world(personas):
    return transfer(personas)


def test_prior_learning_imported_and_decided_shows_at_once(personas, world):
    client = client_for(personas.assessor)
    assert "Prior learning to decide" not in home(client)
    imported(personas, world)  # the claims are created in bulk: the service forgets
    assert figure(home(client), "Prior learning to decide")["value"] == str(
        PriorLearningClaim.objects.filter(status="pending").count())
    claim = PriorLearningClaim.objects.filter(status="pending").first()
    PriorLearningClaim.objects.filter(status="pending").exclude(pk=claim.pk).delete()
    claim.status = PriorLearningClaim.Status.REJECTED
    claim.save(update_fields=["status"])
    assert "Prior learning to decide" not in home(client)


def test_guard_without_the_claim_receiver_a_decided_claim_stays_waiting(personas, world):
    from records.transfers import receivers as transfer_receivers

    client = client_for(personas.assessor)
    imported(personas, world)
    before = figure(home(client), "Prior learning to decide")["value"]
    with disconnected(transfer_receivers.claim_changed, PriorLearningClaim, "transfers.claim_changed"):
        for claim in PriorLearningClaim.objects.filter(status="pending"):
            claim.status = PriorLearningClaim.Status.REJECTED
            claim.save(update_fields=["status"])
        assert figure(home(client), "Prior learning to decide")["value"] == before


def learners_shown(html: str) -> int:
    return int(re.search(r"(\d+) learners?\b", html.split("My caseload")[1])[1])


def test_a_learner_joining_and_moving_to_another_assessor_changes_the_count_at_once(personas, centre):  # noqa: F811
    from centres.models import Membership, Role
    from centres.services import learner_assessor_change

    client = client_for(personas.assessor)
    before = learners_shown(home(client))
    newcomer = learner(personas.centre, personas.assessor, first_name="Newcomer")
    assert learners_shown(home(client)) == before + 1
    membership = Membership.objects.get(user=newcomer, centre=personas.centre, role=Role.LEARNER)
    learner_assessor_change(membership=membership, assessor=personas.second_assessor, actor=personas.admin)
    assert learners_shown(home(client)) == before
