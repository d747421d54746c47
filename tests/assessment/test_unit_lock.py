"""A signed-off unit is locked on every write path: services, views, the Django admin, and the database."""

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction

from assessment.models import CriterionDecision, Review
from assessment.services import review_decide, review_start, unit_sign_off, unit_unlock
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


def _accepted_evidence(enrolment, learner, assessor, criteria, title="Kitchen"):
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    evidence_file_attach(evidence=evidence, upload=ContentFile(jpeg_bytes(colour=(len(title), 1, 1))),
                         name="a.jpg", size=len(jpeg_bytes(colour=(len(title), 1, 1))), actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
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
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="lock.refused", object_id=str(returned.pk)).count() == 2
    # A new item cannot claim the locked unit's criteria, and the unit cannot be signed off twice.
    fresh = evidence_create(enrolment=enrolment, actor=personas.learner)
    with pytest.raises(ServiceError, match="not part of your open units"):
        evidence_save_draft(evidence=fresh, revision=fresh.revision, actor=personas.learner, title="y",
                            reflection="", method="product", activity_date=None, activity_place="",
                            criteria=criteria)
    with pytest.raises(ServiceError, match="already signed off"):
        unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)


def test_the_views_refuse_and_the_attempt_is_audited(personas, locked):
    from django.urls import reverse

    from audit.models import AuditEvent

    _enrolment_unit, evidence, _criteria = locked
    learner = client_for(personas.learner)
    response = learner.post(reverse("evidence_autosave", args=[evidence.pk]),
                            {"title": "x", "revision": evidence.revision})
    assert response.status_code == 409 and "signed-off unit" in response.json()["error"]
    response = learner.post(reverse("evidence_upload", args=[evidence.pk]), {}, HTTP_ACCEPT="application/json")
    assert learner.get(reverse("evidence_edit", args=[evidence.pk])).status_code == 302
    assert Evidence.objects.get(pk=evidence.pk).title == "Kitchen"
    refusals = AuditEvent.objects.filter(action="lock.refused", object_id=str(evidence.pk), actor=personas.learner)
    assert refusals.count() == 1


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
