"""The learner's home and My Progress are rendered once and kept under the learner's generation: each write that
changes what they show replaces it, so the very next request shows the change. Guard: without the receiver the
kept page would still be served."""

import datetime

import pytest
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from portfolios import receivers
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit, Evidence
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def _pages(client) -> str:
    return client.get(reverse("home")).content.decode() + client.get(reverse("my_progress")).content.decode()


@pytest.fixture
def setup(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2, frozen=True)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    client = client_for(personas.learner)
    assert "0 of 4 criteria met." in _pages(client)  # now kept
    return enrolment, client


def _achieve(enrolment):
    criterion = AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk").first()
    AchievedCriterion.objects.create(enrolment=enrolment, criterion=criterion, unit_id=criterion.unit_id)


def test_a_criterion_met_shows_at_once(setup):
    enrolment, client = setup
    _achieve(enrolment)
    assert "1 of 4 criteria met." in _pages(client)


def test_a_locked_unit_shows_at_once(setup):
    enrolment, client = setup
    unit = EnrolmentUnit.objects.filter(enrolment=enrolment).order_by("pk").first()
    unit.locked_at = timezone.now()
    unit.save()
    assert "Signed off" in _pages(client)


def test_a_break_and_a_new_end_date_show_at_once(setup):
    enrolment, client = setup
    enrolment.status = Enrolment.Status.ON_BREAK
    enrolment.planned_end_date = timezone.localdate() + datetime.timedelta(days=3)
    enrolment.save()
    page = _pages(client)
    assert "On a break" in page and "3 days left" in page


def test_submitted_evidence_shows_at_once(setup):
    enrolment, client = setup
    evidence = Evidence.objects.create(enrolment=enrolment, title="Menu", status=Evidence.Status.SUBMITTED)
    criterion = AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk").first()
    evidence.claims.create(criterion=criterion, unit_id=criterion.unit_id)
    assert "Waiting for review" in _pages(client)


def test_guard_without_the_receiver_the_kept_pages_are_served(setup):
    enrolment, client = setup
    for signal in (post_save, post_delete):
        assert signal.disconnect(receivers.enrolment_row_changed, sender=AchievedCriterion,
                                 dispatch_uid="portfolios.achieved_changed")
    try:
        _achieve(enrolment)
        assert "0 of 4 criteria met." in _pages(client)
    finally:
        for signal in (post_save, post_delete):
            signal.connect(receivers.enrolment_row_changed, sender=AchievedCriterion,
                           dispatch_uid="portfolios.achieved_changed")
