"""A unit reopened by a moderator: its badges and certificates stop verifying, the learner is told, My Progress
says so; signing it off again awards a new badge (one award per sign-off)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.services import unit_sign_off, unit_unlock
from audit.models import AuditEvent
from badges.awards.automatic import award_for_completion, award_for_sign_off
from badges.certificates.services import certificate_issue
from badges.models import Award, Certificate
from badges.public.selectors import award_status
from notifications.models import Notification
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

from .test_awards import sign_off_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://leap.example"


def _reopen(personas, sign_off, reason="Sampled: 1.2 not sufficient"):
    unit_unlock(enrolment_unit=sign_off.enrolment_unit, actor=personas.moderator, reason=reason)


def test_reopening_a_unit_revokes_its_badge_with_the_reason_everywhere(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    sign_off = sign_off_unit(personas, enrolment, unit)
    award = Award.objects.get()

    _reopen(personas, sign_off)

    award.refresh_from_db()
    assert award_status(award) == "revoked"
    assert award.revocation_reason.startswith(f"Unit {unit.code} reopened by a moderator on ")
    assert award.revocation_reason.endswith(": Sampled: 1.2 not sufficient")
    event = AuditEvent.objects.get(action="badge.revoked", object_id=str(award.pk))
    assert event.actor == personas.moderator
    page = Client().get(reverse("award_public", args=[award.uuid])).content.decode()
    assert "Sampled: 1.2 not sufficient" in page
    assertion = Client().get(reverse("ob2_assertion", args=[award.uuid]))
    assert assertion.status_code == 410 and assertion.json()["revoked"] is True
    assert "Sampled: 1.2 not sufficient" in assertion.json()["revocationReason"]


def test_signing_a_reopened_unit_off_again_awards_a_new_badge_and_the_old_stays_revoked(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    first = sign_off_unit(personas, enrolment, unit)
    _reopen(personas, first)

    second = unit_sign_off(enrolment_unit=first.enrolment_unit, actor=personas.assessor, declared=True)

    old, new = Award.objects.order_by("pk")
    assert old.revoked_at and not new.revoked_at and new.uuid != old.uuid and new.issued_on > old.issued_on
    assert new.issued_on >= second.signed_off_at
    # A redelivered task changes nothing: one award per sign-off.
    assert award_for_sign_off(sign_off_id=second.pk) == new
    assert award_for_sign_off(sign_off_id=first.pk) == old
    assert Award.objects.count() == 2


def test_reopening_a_unit_of_a_completed_enrolment_revokes_the_qualification_badge_and_certificate(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    sign_off = sign_off_unit(personas, enrolment, version.units.get())
    enrolment.refresh_from_db()
    certificate = certificate_issue(enrolment=enrolment, actor=personas.admin)
    qualification = Award.objects.get(badge_class__kind="qualification")

    _reopen(personas, sign_off)

    qualification.refresh_from_db()
    certificate.refresh_from_db()
    assert qualification.revoked_at and "reopened by a moderator" in qualification.revocation_reason
    assert certificate.revoked_at and "reopened by a moderator" in certificate.revocation_reason
    assert award_for_completion(enrolment_id=enrolment.pk) is None  # no longer complete

    unit_sign_off(enrolment_unit=sign_off.enrolment_unit, actor=personas.assessor, declared=True)
    valid = Award.objects.filter(badge_class__kind="qualification", revoked_at__isnull=True)
    assert valid.count() == 1 and valid.get() != qualification
    assert Certificate.objects.filter(enrolment=enrolment, revoked_at__isnull=True).count() == 0


def test_the_learner_is_told_and_my_progress_shows_the_unit_reopened(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    sign_off = sign_off_unit(personas, enrolment, unit)
    mail.outbox.clear()

    _reopen(personas, sign_off)

    told = Notification.objects.get(user=personas.learner, kind="unit_reopened")
    assert unit.code in told.subject
    [email] = [m for m in mail.outbox if personas.learner.email in m.to]
    assert "Sampled: 1.2 not sufficient" in email.body and "assessor will be in touch" in email.body
    page = client_for(personas.learner).get(reverse("my_progress"))
    [progress] = page.context["progress"]
    assert [u.reopened for u in progress.units] == [True, False]
    assert page.content.decode().count("status-kind-reopened") == 1
    unit_sign_off(enrolment_unit=sign_off.enrolment_unit, actor=personas.assessor, declared=True)
    [progress] = client_for(personas.learner).get(reverse("my_progress")).context["progress"]
    assert [u.reopened for u in progress.units] == [False, False]
