"""A signed-off unit is locked on every write path: services, views, the Django admin, and the database."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from assessment.models import CriterionDecision, Review
from assessment.services import (
    AssessmentError,
    review_countersign,
    review_decide,
    review_start,
    unit_sign_off,
    unit_unlock,
)
from audit.models import AuditEvent
from centres.models import Membership, Role
from centres.services import ServiceError
from portfolios.evidence.services import (
    evidence_create,
    evidence_file_attach,
    evidence_save_draft,
    evidence_submit,
)
from portfolios.models import AchievedCriterion, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.factories import UserFactory, with_totp
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


def _submitted_evidence(enrolment, learner, criteria, title):
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    evidence_file_attach(evidence=evidence, upload=ContentFile(jpeg_bytes(colour=(len(title), 1, 1))),
                         name="a.jpg", size=len(jpeg_bytes(colour=(len(title), 1, 1))), actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    evidence.refresh_from_db()
    return evidence


def _accepted_evidence(enrolment, learner, assessor, criteria, title="Kitchen"):
    evidence = _submitted_evidence(enrolment, learner, criteria, title)
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in criteria}, outcome="accepted",
                  feedback="ok")
    evidence.refresh_from_db()
    return evidence


@pytest.fixture
def locked(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    criteria = list(AssessmentCriterion.objects.filter(unit=unit))
    evidence = _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria)
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)
    unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)
    return enrolment_unit, evidence, criteria


def test_services_refuse_to_change_a_locked_units_evidence_and_decisions(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria)
    # A second item, returned for more work, claims the same criteria; then the unit is signed off.
    returned = _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria[:1], title="Second")
    Evidence.objects.filter(pk=returned.pk).update(status=Evidence.Status.RETURNED)
    returned.refresh_from_db()
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment)
    unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)
    with pytest.raises(ServiceError, match="signed-off unit"):
        evidence_save_draft(evidence=returned, revision=returned.revision, actor=personas.learner, title="x",
                            reflection="", method="product", activity_date=None, activity_place="", criteria=[])
    with pytest.raises(ServiceError, match="signed-off unit"):
        evidence_file_attach(evidence=returned, upload=ContentFile(jpeg_bytes()), name="b.jpg", size=10,
                             actor=personas.learner)
    assert Evidence.objects.get(pk=returned.pk).title == "Second"
    assert AuditEvent.objects.filter(action="lock.refused", object_id=str(returned.pk)).count() == 2
    # A new item cannot claim the locked unit's criteria, and the unit cannot be signed off twice.
    fresh = evidence_create(enrolment=enrolment, actor=personas.learner)
    with pytest.raises(ServiceError, match="not part of your open units"):
        evidence_save_draft(evidence=fresh, revision=fresh.revision, actor=personas.learner, title="y",
                            reflection="", method="product", activity_date=None, activity_place="",
                            criteria=criteria)
    with pytest.raises(ServiceError, match="already signed off"):
        unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)


@pytest.fixture
def awaiting_decision(personas):
    """An item submitted before its unit was signed off through other evidence: its review is still open."""
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria)
    pending = _submitted_evidence(enrolment, personas.learner, criteria[:1], title="Late")
    review = review_start(submission=pending.submissions.get(), actor=personas.assessor)
    unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment), actor=personas.assessor,
                  declared=True)
    return review, criteria


def test_a_decision_after_sign_off_on_the_units_criteria_is_refused_and_audited(personas, awaiting_decision):
    review, criteria = awaiting_decision
    with pytest.raises(AssessmentError, match=r"signed-off \(locked\) unit"):
        review_decide(review=review, actor=personas.assessor, decisions={criteria[0].pk: False},
                      outcome="returned", feedback="Redo it")
    review.refresh_from_db()
    assert review.decided_at is None and not review.decisions.exists()
    assert Evidence.objects.get(pk=review.submission.evidence_id).status == Evidence.Status.SUBMITTED
    assert AuditEvent.objects.filter(action="lock.refused", object_id=str(review.submission.evidence_id),
                                     actor=personas.assessor).count() == 1


def test_a_countersignature_after_sign_off_is_refused(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria)
    assessor_membership = Membership.objects.filter(user=personas.assessor, role=Role.ASSESSOR)
    assessor_membership.update(qualified=False)
    uncounted = _accepted_evidence(enrolment, personas.learner, personas.assessor, criteria[:1], title="Second")
    review = Review.objects.get(submission__evidence=uncounted)
    assert review.needs_countersign
    assessor_membership.update(qualified=True)
    unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment), actor=personas.assessor,
                  declared=True)
    with pytest.raises(AssessmentError, match="signed off since"):
        review_countersign(review=review, actor=personas.second_assessor)
    assert Review.objects.get(pk=review.pk).countersigned_at is None


def test_the_views_refuse_and_the_attempt_is_audited(personas, locked):
    _enrolment_unit, evidence, _criteria = locked
    learner = client_for(personas.learner)
    response = learner.post(reverse("evidence_autosave", args=[evidence.pk]),
                            {"title": "x", "revision": evidence.revision})
    assert response.status_code == 409 and "signed-off unit" in response.json()["error"]
    assert learner.get(reverse("evidence_edit", args=[evidence.pk])).status_code == 302
    assert Evidence.objects.get(pk=evidence.pk).title == "Kitchen"
    refusals = AuditEvent.objects.filter(action="lock.refused", object_id=str(evidence.pk), actor=personas.learner)
    assert refusals.count() == 1


def test_an_upload_to_a_locked_item_is_refused_and_audited(personas, locked):
    _enrolment_unit, evidence, _criteria = locked
    photo = SimpleUploadedFile("more.jpg", jpeg_bytes(colour=(9, 9, 9)))
    response = client_for(personas.learner).post(reverse("evidence_upload", args=[evidence.pk]), {"files": [photo]},
                                                 HTTP_ACCEPT="application/json")
    assert response.status_code == 422
    [refused] = response.json()["files"]
    assert not refused["ok"] and "signed-off unit" in refused["error"]
    assert EvidenceFile.objects.filter(evidence=evidence).count() == 1
    assert AuditEvent.objects.filter(action="lock.refused", object_id=str(evidence.pk),
                                     actor=personas.learner).count() == 1


def test_the_django_admin_cannot_change_or_delete_it(personas, locked):
    _enrolment_unit, evidence, _criteria = locked
    superuser = with_totp(UserFactory(is_superuser=True, is_staff=True))
    admin = client_for(superuser)
    for url in [f"/django-admin/portfolios/evidence/{evidence.pk}/change/",
                f"/django-admin/portfolios/evidence/{evidence.pk}/delete/"]:
        response = admin.post(url, {"title": "Forged", "post": "yes"})
        assert response.status_code == 403, url
    decision = CriterionDecision.objects.first()
    assert admin.post(f"/django-admin/assessment/criteriondecision/{decision.pk}/change/",
                      {"met": ""}).status_code == 403
    assert Evidence.objects.get(pk=evidence.pk).title == "Kitchen"


@pytest.mark.parametrize("sql", [
    "UPDATE portfolios_evidence SET title = 'Forged' WHERE id = %(evidence)s",
    "UPDATE portfolios_evidencefile SET sha256 = 'forged' WHERE evidence_id = %(evidence)s",
    "DELETE FROM portfolios_evidencecriterion WHERE evidence_id = %(evidence)s",
    "UPDATE assessment_criteriondecision SET met = false WHERE enrolment_id = %(enrolment)s",
    "UPDATE assessment_review SET feedback = 'Forged'",
    "DELETE FROM portfolios_achievedcriterion WHERE enrolment_id = %(enrolment)s",
])
def test_postgres_refuses_a_raw_change_to_a_locked_unit(postgres, locked, sql):
    _enrolment_unit, evidence, _criteria = locked
    params = {"evidence": evidence.pk, "enrolment": evidence.enrolment_id}
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_postgres_allows_changes_again_after_an_unlock(postgres, personas, locked):
    enrolment_unit, evidence, _criteria = locked
    unit_unlock(enrolment_unit=enrolment_unit, actor=personas.moderator, reason="Moderation sample")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portfolios_evidence SET title = 'Improved' WHERE id = %s", [evidence.pk])
    assert Evidence.objects.get(pk=evidence.pk).title == "Improved"


def test_the_other_units_stay_open(personas, locked):
    enrolment_unit, evidence, _criteria = locked
    other = EnrolmentUnit.objects.exclude(pk=enrolment_unit.pk).get(enrolment=evidence.enrolment)
    criteria = list(AssessmentCriterion.objects.filter(unit=other.unit))
    second = _accepted_evidence(evidence.enrolment, personas.learner, personas.assessor, criteria, title="Bar")
    assert second.status == Evidence.Status.ACCEPTED
    assert AchievedCriterion.objects.filter(unit=other.unit).count() == 2
    assert EvidenceCriterion.objects.filter(evidence=second).count() == 2
    assert Review.objects.count() == 2 and EvidenceFile.objects.count() == 2
