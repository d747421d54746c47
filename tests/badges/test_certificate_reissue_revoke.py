"""Correcting a certificate (a reissue with a new number) and revoking one, and what the verification page says."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from badges.certificates.services import CertificateError, certificate_issue, certificate_reissue, certificate_revoke
from badges.models import Certificate

from .test_certificate_issue import enrolment_for, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def certificate(personas) -> Certificate:
    return certificate_issue(enrolment=enrolment_for(personas), actor=personas.admin)


def verification_page(certificate: Certificate) -> str:
    response = Client().get(reverse("certificate_verify", args=[certificate.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_correction_is_a_new_certificate_with_a_new_number_and_the_old_one_is_kept_as_replaced(
        personas, certificate, django_capture_on_commit_callbacks):
    personas.learner.last_name = "Okafor-Smith"
    personas.learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=certificate, actor=personas.admin, reason="Surname misspelt")

    old = Certificate.objects.get(pk=certificate.pk)
    assert new.number != old.number and new.replaces == old and new.tier == old.tier
    assert new.content["learner_name"].endswith("Okafor-Smith")
    assert old.content["learner_name"] != new.content["learner_name"]  # history kept as it was
    assert old.revoked_at is not None
    assert old.revocation_reason == f"Replaced by {new.number}: Surname misspelt"
    new.refresh_from_db()
    assert new.pdf and not old.pdf  # the old one was never rendered here; the new one is
    event = AuditEvent.objects.get(action="certificate.reissued")
    assert event.data["replaces"] == old.number and event.data["number"] == new.number

    page = verification_page(old)
    assert "Replaced" in page and reverse("certificate_verify", args=[new.uuid]) in page and new.number in page
    assert "Surname misspelt" in page
    page = verification_page(new)
    assert "Valid" in page and old.number in page


def test_a_correction_needs_a_reason_and_a_current_certificate(personas, certificate):
    with pytest.raises(CertificateError):
        certificate_reissue(certificate=certificate, actor=personas.admin, reason="  ")
    certificate_reissue(certificate=certificate, actor=personas.admin, reason="Typo")
    with pytest.raises(CertificateError, match="already replaced"):
        certificate_reissue(certificate=Certificate.objects.get(pk=certificate.pk), actor=personas.admin,
                            reason="Again")


def test_a_certificate_the_enrolment_no_longer_earns_is_revoked_not_reissued(personas, certificate):
    certificate.enrolment.status = "active"  # reopened: a unit was unlocked (the lock itself only yields to unlock)
    certificate.enrolment.save()
    with pytest.raises(CertificateError, match="revoke it instead"):
        certificate_reissue(certificate=certificate, actor=personas.admin, reason="Unit unlocked")


def test_a_revoked_certificate_says_so_with_the_reason(personas, certificate):
    certificate_revoke(certificate=certificate, actor=personas.admin, reason="Malpractice found by the EQA")

    page = verification_page(certificate)
    assert "Revoked on" in page and "Malpractice found by the EQA" in page and "Valid:" not in page
    assert AuditEvent.objects.filter(action="certificate.revoked", data__reason="Malpractice found by the EQA")
    with pytest.raises(CertificateError, match="already revoked"):
        certificate_revoke(certificate=certificate, actor=personas.admin, reason="Twice")


def test_once_revoked_the_same_certificate_may_be_issued_again(personas, certificate):
    certificate_revoke(certificate=certificate, actor=personas.admin, reason="Issued in error")
    again = certificate_issue(enrolment=certificate.enrolment, actor=personas.admin)
    assert again.number != certificate.number and again.replaces is None


def test_only_the_centres_admin_corrects_or_revokes(personas, certificate):
    for actor in (personas.assessor, personas.moderator, personas.learner, personas.outsider):
        with pytest.raises(PermissionDenied):
            certificate_reissue(certificate=certificate, actor=actor, reason="x")
        with pytest.raises(PermissionDenied):
            certificate_revoke(certificate=certificate, actor=actor, reason="x")
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None


def test_the_pdf_of_a_replaced_certificate_stays_as_it_was(personas, django_capture_on_commit_callbacks):
    old = issue(personas, enrolment_for(personas), django_capture_on_commit_callbacks)
    name = old.pdf.name
    certificate_reissue(certificate=old, actor=personas.admin, reason="Typo")
    old.refresh_from_db()
    assert old.pdf.name == name
