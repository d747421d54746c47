"""Journey 2: the assessor enrols a learner and both agree an assessment plan on their phones."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from portfolios.models import AssessmentPlan
from tests.conftest import client_for

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/126.0 Mobile Safari/537.36"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _link_in(message) -> str:
    link = next(line for line in message.body.splitlines() if "/plan/" in line).strip()
    return link.removeprefix("http://127.0.0.1:8000")


def test_assessor_and_learner_agree_a_plan_on_their_phones_and_a_new_version_is_agreed_again(personas):
    version = make_spec(personas.centre)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit1, unit2, _unit3 = version.units.order_by("position")
    assessor, learner = client_for(personas.assessor), client_for(personas.learner)
    plan_url = reverse("plan_detail", args=[enrolment.pk])
    assert "no assessment plan yet" in learner.get(plan_url, **PHONE).content.decode()

    # The assessor drafts version 1: two items with criteria, and the plan document.
    assert assessor.post(reverse("plan_start", args=[enrolment.pk])).status_code == 302
    plan = AssessmentPlan.objects.get(enrolment=enrolment)
    assert plan.number == 1 and plan.status == "draft"
    add_url = reverse("plan_item_add", args=[enrolment.pk, 1])
    form = assessor.get(add_url).content.decode()
    assert "HOSP-L3-U1" in form and "1.1 Describe point 1" in form
    c11, c12, *_ = unit1.criteria.order_by("position")
    c21 = unit2.criteria.order_by("position").first()
    response = assessor.post(add_url, {"revision": 1, "units": [unit1.pk], "criteria": [c11.pk, c12.pk],
                                       "method": "observation", "target_date": _in(30), "notes": "At the hotel"})
    assert response.status_code == 302, response.content.decode()
    response = assessor.post(add_url, {"revision": 2, "units": [unit2.pk], "criteria": [c21.pk],
                                       "method": "professional_discussion", "target_date": _in(60)})
    assert response.status_code == 302
    upload = SimpleUploadedFile("Plan for Maya.pdf", PDF, content_type="application/pdf")
    response = assessor.post(reverse("plan_document_upload", args=[enrolment.pk, 1]),
                             {"revision": 3, "document": upload})
    assert response.status_code == 302

    # The assessor signs on their phone (their name typed loosely); the learner is emailed.
    response = assessor.post(reverse("plan_sign", args=[enrolment.pk, 1]),
                             {"revision": 4, "typed_name": "  sam   ASSESSOR "}, **PHONE)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "awaiting" and plan.assessor_signed_name == "sam ASSESSOR" and plan.assessor_signed_at
    awaiting = mail.outbox[-1]
    assert awaiting.to == [personas.learner.email]
    assert awaiting.subject == "Your assessment plan awaits your signature"
    assert "Sam Assessor has signed version 1" in awaiting.body

    # The learner follows the link on their phone, reads the plan and signs it.
    page = learner.get(_link_in(awaiting), **PHONE)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="viewport" content="width=device-width' in html
    assert "Sign version 1" in html and 'autocomplete="name"' in html
    assert "HOSP-L3-U1 Unit 1: criteria\n                1.1, 1.2" in html
    assert "Observation" in html and "Professional discussion" in html and "Plan for Maya.pdf" in html
    response = learner.post(reverse("plan_sign", args=[enrolment.pk, 1]),
                            {"revision": 4, "typed_name": personas.learner.get_full_name()}, **PHONE)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "agreed" and plan.learner_signed_at is not None
    agreed = mail.outbox[-1]
    assert agreed.to == [personas.assessor.email] and "is agreed" in agreed.subject
    enrolment.refresh_from_db()
    assert enrolment.last_activity_at >= plan.learner_signed_at
    events = AuditEvent.objects.filter(action__startswith="plan.", object_id=str(plan.pk)).order_by("seq")
    assert [e.action for e in events] == [
        "plan.started", "plan.item_added", "plan.item_added", "plan.document_attached", "plan.signed",
        "plan.signed", "plan.agreed"]

    # Agreed means read-only: no edit controls, and edits are refused.
    html = assessor.get(plan_url).content.decode()
    assert "Add an item" not in html and "Start a new version" in html
    response = assessor.post(add_url, {"revision": 4, "units": [unit1.pk], "method": "questioning",
                                       "target_date": _in(10)})
    assert "This plan has been signed; start a new version to change it." in response.content.decode()
    assert plan.items.count() == 2

    # A change is version 2, a copy to agree again; version 1 stays agreed and readable.
    assert assessor.post(reverse("plan_start", args=[enrolment.pk])).status_code == 302
    v2 = AssessmentPlan.objects.get(enrolment=enrolment, number=2)
    assert v2.status == "draft" and v2.items.count() == 2 and v2.document_name == "Plan for Maya.pdf"
    html = learner.get(plan_url, **PHONE).content.decode()
    assert "Version 2" in html and "Version 1 is the agreed plan until version 2 is agreed" in html
    old = learner.get(reverse("plan_version", args=[enrolment.pk, 1]), **PHONE)
    assert old.status_code == 200 and "Agreed" in old.content.decode() and "Add an item" not in old.content.decode()
    plan.refresh_from_db()
    assert plan.status == "agreed"
    response = assessor.post(add_url.replace("/versions/1/", "/versions/2/"),
                             {"revision": v2.revision, "units": [unit2.pk], "method": "questioning",
                              "target_date": _in(90)})
    assert response.status_code == 302
    v2.refresh_from_db()

    # The assessor signs version 2: the learner is told a new version awaits them.
    sent = len(mail.outbox)
    response = assessor.post(reverse("plan_sign", args=[enrolment.pk, 2]),
                             {"revision": v2.revision, "typed_name": "Sam Assessor"})
    assert response.status_code == 302
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].to == [personas.learner.email] and "signed version 2" in mail.outbox[-1].body
    versions = learner.get(reverse("plan_versions", args=[enrolment.pk])).content.decode()
    assert "Version 1" in versions and "Version 2" in versions and "Awaiting agreement" in versions
    download = learner.get(reverse("plan_document_download", args=[enrolment.pk, 1]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
