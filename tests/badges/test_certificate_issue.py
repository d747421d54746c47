"""Issuing a certificate: the tier by the centre's rules, what it states, its number, its PDF and QR code."""

import io
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from badges.certificates.pdf import certificate_html, certificate_pdf_context, data_uri, qr_svg
from badges.certificates.rendering import certificate_render
from badges.certificates.services import (
    CertificateError,
    TierRule,
    certificate_issue,
    certificate_rules_set,
    certificate_tier_for,
)
from badges.models import Certificate, CertificateRule
from centres.models import Role
from notifications.models import Notification
from portfolios.models import Enrolment, EnrolmentUnit
from tests.factories import staff
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^LEAP-[A-Z0-9-]+-\d{4}-[A-Z2-7]{6}$")
TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
            b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def enrolment_for(personas, *, code="HOSP-L3", credits=10, units=3, completed=True, learner=None) -> Enrolment:
    """An enrolment built straight through the ORM; completed: every unit locked and the status set.
    Each unit has 6 guided learning hours per credit (make_spec)."""
    version = make_spec(personas.centre, code=code, units=units, outcomes=1, criteria=1, credits=credits)
    enrolment = make_enrolment(learner or personas.learner, personas.assessor, version)
    if completed:
        now = timezone.now()
        EnrolmentUnit.objects.filter(enrolment=enrolment).update(locked_at=now)
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED, completed_at=now)
        enrolment.refresh_from_db()
    return enrolment


def issue(personas, enrolment, captured, **kwargs) -> Certificate:
    """Issue as the centre admin and run what waits for the commit (the PDF rendering, eagerly)."""
    with captured(execute=True):
        certificate = certificate_issue(enrolment=enrolment, actor=personas.admin, **kwargs)
    certificate.refresh_from_db()
    return certificate


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        body = handle.read()
    assert body.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_a_completed_enrolment_gets_an_achievement_certificate_stating_its_units(
        personas, django_capture_on_commit_callbacks):
    enrolment = enrolment_for(personas)
    certificate = issue(personas, enrolment, django_capture_on_commit_callbacks)

    assert certificate.tier == Certificate.Tier.ACHIEVEMENT
    assert NUMBER.match(certificate.number) and certificate.number.startswith(f"LEAP-{personas.centre.slug.upper()}-")
    assert certificate.recipient == personas.learner and certificate.issued_by == personas.admin
    content = certificate.content
    assert content["learner_name"] == personas.learner.get_full_name()
    assert content["qualification"]["code"] == "HOSP-L3" and content["qualification"]["level"] == "3"
    assert [u["code"] for u in content["units"]] == ["HOSP-L3-U1", "HOSP-L3-U2", "HOSP-L3-U3"]
    assert content["total_credits"] == 30 and content["total_glh"] == 180
    assert content["centre"] == {"name": personas.centre.name, "country": "GB", "website": ""}
    assert personas.learner.email not in str(content)
    event = AuditEvent.objects.get(action="certificate.issued")
    assert event.data["number"] == certificate.number and event.actor == personas.admin
    notification = Notification.objects.get(user=personas.learner, kind="certificate_issued")
    assert certificate.number in notification.subject or certificate.title in notification.subject


def test_the_pdf_is_rendered_once_committed_and_states_the_number_and_the_learner(
        personas, django_capture_on_commit_callbacks):
    certificate = issue(personas, enrolment_for(personas), django_capture_on_commit_callbacks)

    assert certificate.pdf
    text = pdf_text(certificate)
    assert certificate.number in text
    assert personas.learner.get_full_name() in text
    assert "Certificate of Achievement" in text and "HOSP-L3-U2" in text
    assert f"/badges/certificates/{certificate.uuid}/" in text.replace("\n", "")


def test_rendering_again_keeps_the_stored_pdf(personas, django_capture_on_commit_callbacks):
    certificate = issue(personas, enrolment_for(personas), django_capture_on_commit_callbacks)
    stored = certificate.pdf.name

    assert certificate_render(certificate_id=certificate.pk) is False
    certificate.refresh_from_db()
    assert certificate.pdf.name == stored


def test_the_qr_code_carries_the_absolute_verification_url(personas, django_capture_on_commit_callbacks):
    certificate = issue(personas, enrolment_for(personas), django_capture_on_commit_callbacks)

    context = certificate_pdf_context(certificate)
    url = f"{settings.SITE_URL}/badges/certificates/{certificate.uuid}/"
    assert context["qr_payload"] == url
    assert context["qr"] == data_uri(qr_svg(url), "image/svg+xml")
    assert context["qr"] in certificate_html(certificate)


def test_the_pdf_carries_the_centres_logo_and_colours_and_refuses_a_colour_that_is_not_one(personas):
    centre = personas.centre
    centre.logo.save("logo.png", ContentFile(TINY_PNG), save=False)
    centre.brand_colour, centre.accent_colour = "#123456", "red;}b{"  # fits the column, is not a colour
    centre.save()
    certificate = certificate_issue(enrolment=enrolment_for(personas), actor=personas.admin)

    html = certificate_html(certificate)
    assert data_uri(TINY_PNG, "image/png") in html
    assert "#123456" in html and "red;}b{" not in html and "#F5B400" in html


def test_an_enrolment_still_active_earns_only_participation(personas):
    enrolment = enrolment_for(personas, completed=False)

    assert certificate_tier_for(enrolment) == Certificate.Tier.PARTICIPATION
    with pytest.raises(CertificateError, match="not complete"):
        certificate_issue(enrolment=enrolment, actor=personas.admin, tier=Certificate.Tier.ACHIEVEMENT)
    assert certificate_issue(enrolment=enrolment, actor=personas.admin).tier == Certificate.Tier.PARTICIPATION


def test_participation_needs_at_least_one_learning_hour(personas):
    enrolment = enrolment_for(personas, credits=0, completed=False)

    assert certificate_tier_for(enrolment) is None
    with pytest.raises(CertificateError, match="does not earn"):
        certificate_issue(enrolment=enrolment, actor=personas.admin)


def test_a_completed_enrolment_of_300_hours_earns_a_diploma(personas):
    enrolment = enrolment_for(personas, credits=20)  # 3 units x 120 hours

    assert certificate_tier_for(enrolment) == Certificate.Tier.DIPLOMA


def test_a_centres_rules_are_honoured(personas):
    enrolment = enrolment_for(personas, credits=20)
    certificate_rules_set(centre=personas.centre, actor=personas.admin, rules=[
        TierRule(Certificate.Tier.DIPLOMA, True, 300, True, capstone_unit_code="HOSP-L3-U9"),
        TierRule(Certificate.Tier.ACHIEVEMENT, True, 400, True)])
    assert certificate_tier_for(enrolment) == Certificate.Tier.PARTICIPATION  # no such capstone; too few hours

    certificate_rules_set(centre=personas.centre, actor=personas.admin, rules=[
        TierRule(Certificate.Tier.DIPLOMA, True, 300, True, capstone_unit_code="HOSP-L3-U3", pass_mark="Merit")])
    assert certificate_tier_for(enrolment) == Certificate.Tier.DIPLOMA
    assert certificate_issue(enrolment=enrolment, actor=personas.admin).content["pass_mark"] == "Merit"

    certificate_rules_set(centre=personas.centre, actor=personas.admin, rules=[
        TierRule(Certificate.Tier.PARTICIPATION, False, 1, False)])
    assert certificate_tier_for(enrolment_for(personas, code="X1", completed=False)) is None
    assert AuditEvent.objects.filter(action="certificate.rules_set").count() == 3


def test_achievement_and_diploma_cannot_be_set_without_summative_assessment(personas):
    with pytest.raises(CertificateError):
        certificate_rules_set(centre=personas.centre, actor=personas.admin,
                              rules=[TierRule(Certificate.Tier.ACHIEVEMENT, True, 1, False)])
    assert not CertificateRule.objects.exists()


def test_another_centres_rules_do_not_apply(personas):
    certificate_rules_set(centre=personas.centre, actor=personas.admin,
                          rules=[TierRule(Certificate.Tier.ACHIEVEMENT, False, 1, True)])
    other_admin = staff(personas.other_centre, Role.CENTRE_ADMIN)
    version = make_spec(personas.other_centre, code="SOUTH")
    enrolment = make_enrolment(personas.other_centre_learner, personas.other_centre_assessor, version)
    EnrolmentUnit.objects.filter(enrolment=enrolment).update(locked_at=timezone.now())
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    enrolment.refresh_from_db()

    assert certificate_issue(enrolment=enrolment, actor=other_admin).tier == Certificate.Tier.ACHIEVEMENT


def test_the_same_certificate_is_not_issued_twice(personas):
    enrolment = enrolment_for(personas)
    certificate_issue(enrolment=enrolment, actor=personas.admin)

    with pytest.raises(CertificateError, match="already been issued"):
        certificate_issue(enrolment=enrolment, actor=personas.admin)
    assert certificate_issue(enrolment=enrolment, actor=personas.admin, tier="participation")


def test_only_the_centres_admin_issues_certificates(personas):
    enrolment = enrolment_for(personas)
    for actor in (personas.assessor, personas.moderator, personas.learner,
                  staff(personas.other_centre, Role.CENTRE_ADMIN)):
        with pytest.raises(PermissionDenied):
            certificate_issue(enrolment=enrolment, actor=actor)
    assert not Certificate.objects.exists()


def test_every_certificate_has_its_own_number(personas):
    numbers = {certificate_issue(enrolment=enrolment_for(personas, code=f"Q{i}"), actor=personas.admin).number
               for i in range(5)}
    assert len(numbers) == 5 and all(NUMBER.match(n) for n in numbers)


def test_the_rendering_task_is_acknowledged_late_and_safe_to_run_twice(personas):
    from badges.certificates.tasks import render_certificate_pdf

    certificate = certificate_issue(enrolment=enrolment_for(personas), actor=personas.admin)  # not committed: no PDF
    assert render_certificate_pdf.acks_late
    assert render_certificate_pdf.apply(args=[certificate.pk]).get() is True
    assert render_certificate_pdf.apply(args=[certificate.pk]).get() is False
