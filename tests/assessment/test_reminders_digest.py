"""An assessor who chose the daily digest gets no email per upload, but one email a day listing what is new."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessment.reminders import send_assessor_digests
from notifications.models import Notification
from portfolios.evidence.services import evidence_create, evidence_save_draft, evidence_submit
from qualifications.models import AssessmentCriterion
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment(personas):
    personas.assessor.email_daily_digest = True
    personas.assessor.save()
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))


def _submit(enrolment, title: str):
    learner = enrolment.learner
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    criteria = AssessmentCriterion.objects.filter(unit__version=enrolment.version)[:1]
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                        reflection="I prepared and plated it.", method="product", activity_date=None,
                        activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    return evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)


def _to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_digest_reader_gets_no_email_per_upload_but_one_digest_listing_it(personas, enrolment):
    _submit(enrolment, "Knife skills")
    assert personas.assessor.notifications.filter(kind="evidence_submitted").exists()
    assert _to(personas.assessor) == []
    assert send_assessor_digests(now=timezone.now()) == 1
    [digest] = _to(personas.assessor)
    assert digest.subject == "Your daily digest: 1 new item of evidence"
    assert "Knife skills" in digest.body and str(personas.learner) in digest.body


def test_the_digest_goes_once_a_day_lists_only_what_is_new_and_skips_a_day_with_nothing(personas, enrolment):
    _submit(enrolment, "Knife skills")
    now = timezone.now()
    assert send_assessor_digests(now=now) == 1
    assert send_assessor_digests(now=now) == 0
    assert send_assessor_digests(now=now + datetime.timedelta(days=1)) == 0  # nothing new since
    _submit(enrolment, "Plating")
    assert send_assessor_digests(now=now + datetime.timedelta(days=2)) == 1
    latest = _to(personas.assessor)[-1]
    assert "Plating" in latest.body and "Knife skills" not in latest.body
    assert Notification.objects.filter(user=personas.assessor, kind="assessor_digest").count() == 2


def test_an_assessor_without_the_digest_gets_each_upload_by_email_and_no_digest(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    _submit(enrolment, "Knife skills")
    assert [m.subject for m in _to(personas.assessor)] == [f"{personas.learner} submitted “Knife skills”"]
    assert send_assessor_digests(now=timezone.now()) == 0
