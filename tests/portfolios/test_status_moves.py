"""Every status change goes through its workflow's table of allowed moves (centres.workflow); a move the table
does not allow is refused and changes nothing."""

import datetime

import pytest
from django.utils import timezone

from assessment.services import review_decide, review_start
from audit.models import AuditEvent
from centres.services import ServiceError
from centres.workflow import StatusMoveError
from portfolios.enrolments.services import enrolment_change_status, enrolment_complete, enrolment_reopen
from portfolios.evidence.services import evidence_create, evidence_save_draft, evidence_submit, evidence_withdraw
from portfolios.models import AssessmentPlan, Enrolment, Evidence, Method
from portfolios.plans.services import plan_item_add, plan_sign, plan_start
from qualifications.models import AssessmentCriterion

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))


def _submitted(enrolment, learner) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version)[:2])
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title="Plated a menu",
                        reflection="I prepared and plated it.", method=Method.PRODUCT, activity_date=None,
                        activity_place="", criteria=criteria)
    return evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)


def test_a_completed_enrolment_cannot_be_withdrawn(personas, enrolment):
    enrolment_complete(enrolment=enrolment, actor=personas.assessor, units=["HOSP-L3-U1"])
    with pytest.raises(StatusMoveError, match="This enrolment is completed and cannot become withdrawn."):
        enrolment_change_status(enrolment=enrolment, status=Enrolment.Status.WITHDRAWN, reason="Moved away",
                                actor=personas.admin)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED and not enrolment.withdrawal_reason
    assert not AuditEvent.objects.filter(action="enrolment.status_changed").exists()


def test_a_completed_enrolment_becomes_active_again_only_when_a_unit_is_unlocked(personas, enrolment):
    enrolment_complete(enrolment=enrolment, actor=personas.assessor, units=["HOSP-L3-U1"])
    with pytest.raises(ServiceError, match="when one of its units is unlocked"):
        enrolment_change_status(enrolment=enrolment, status=Enrolment.Status.ACTIVE, actor=personas.admin)
    enrolment_reopen(enrolment=enrolment, actor=personas.admin, reason="Unit HOSP-L3-U1 unlocked: re-sampled")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE and enrolment.completed_at is None
    assert AuditEvent.objects.filter(action="enrolment.reopened").count() == 1


def test_evidence_withdrawn_once_cannot_be_withdrawn_again(personas, enrolment):
    evidence = _submitted(enrolment, personas.learner)
    evidence = evidence_withdraw(evidence=evidence, actor=personas.learner)
    with pytest.raises(StatusMoveError, match="Only submitted evidence can be withdrawn."):
        evidence_withdraw(evidence=evidence, actor=personas.learner)
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.DRAFT
    assert AuditEvent.objects.filter(action="evidence.withdrawn").count() == 1


def test_accepted_evidence_cannot_be_taken_back_to_a_draft(personas, enrolment):
    evidence = _submitted(enrolment, personas.learner)
    submission = evidence.submissions.get()
    review = review_start(submission=submission, actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={pk: True for pk in submission.claimed},
                  outcome="accepted", feedback="Well plated.")
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.ACCEPTED
    with pytest.raises(StatusMoveError, match="Only submitted evidence can be withdrawn."):
        evidence_withdraw(evidence=evidence, actor=personas.learner)
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.ACCEPTED


def test_a_superseded_plan_cannot_be_agreed(personas, enrolment):
    v1 = plan_start(enrolment=enrolment, actor=personas.assessor)
    unit = enrolment.units.get()
    plan_item_add(plan=v1, actor=personas.assessor, revision=v1.revision, units=[unit], criteria=[],
                  method=Method.OBSERVATION, target_date=timezone.localdate() + datetime.timedelta(days=30))
    v1 = plan_sign(plan=v1, actor=personas.assessor, typed_name="Sam Assessor", revision=v1.revision)
    plan_start(enrolment=enrolment, actor=personas.assessor)  # version 2 supersedes version 1, awaiting the learner
    v1.refresh_from_db()
    assert v1.status == AssessmentPlan.Status.SUPERSEDED
    with pytest.raises(StatusMoveError, match="Version 1 can no longer be signed: it is superseded."):
        plan_sign(plan=v1, actor=personas.learner, typed_name=personas.learner.get_full_name(),
                  revision=v1.revision)
    v1.refresh_from_db()
    assert v1.status == AssessmentPlan.Status.SUPERSEDED and not v1.learner_signed_at
