"""An assessor turns a file the learner sent into a draft evidence item of the learner's; the learner is told and
still claims, declares and submits it."""

import pytest
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from community.conversations.models import MessageFile
from portfolios.models import Enrolment, Evidence
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes

from .helpers import course, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def convert(user, attached, follow=False):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user).post(reverse("message_file_to_evidence", args=[attached.pk]), follow=follow)


def test_the_assessor_makes_a_learners_photo_a_draft_for_them(personas):
    enrolment = course(personas)
    photo = jpeg_bytes()
    send(client_for(personas.learner), enrolment, "Today's plate", attachments=[("plate.jpg", photo)])
    attached = MessageFile.objects.get()
    response = convert(personas.assessor, attached, follow=True)
    assert "is now a draft evidence item" in response.content.decode()
    evidence = Evidence.objects.get(enrolment=enrolment)
    assert evidence.status == Evidence.Status.DRAFT and evidence.title == "plate"
    copied = evidence.files.get()
    assert copied.is_processed and copied.sha256 == attached.sha256 and copied.file.name != attached.file.name
    assert not evidence.claims.exists() and not evidence.declared_at  # the learner still claims and declares
    told = personas.learner.notifications.get(kind="message_evidence_draft")
    assert told.url == reverse("evidence_edit", args=[evidence.pk])
    assert set(AuditEvent.objects.filter(actor=personas.assessor).values_list("action", flat=True)) >= {
        "evidence.created", "evidence.file_uploaded", "conversation.file_to_evidence"}
    assert client_for(personas.learner).get(reverse("evidence_edit", args=[evidence.pk])).status_code == 200
    # Once only.
    again = convert(personas.assessor, attached, follow=True)
    assert "already a draft evidence item" in again.content.decode()
    assert Evidence.objects.count() == 1


def test_only_the_assessor_and_only_files_the_learner_sent(personas):
    enrolment = course(personas)
    send(client_for(personas.learner), enrolment, attachments=[("a.jpg", jpeg_bytes())])
    send(client_for(personas.assessor), enrolment, attachments=[("b.jpg", jpeg_bytes(colour=(1, 2, 3)))])
    learners, assessors = MessageFile.objects.filter(message__author=personas.learner).get(), \
        MessageFile.objects.filter(message__author=personas.assessor).get()
    assert convert(personas.learner, learners).status_code == 403
    assert convert(personas.second_assessor, learners).status_code == 404
    response = convert(personas.assessor, assessors, follow=True)
    assert "Only a file the learner sent can become their evidence." in response.content.decode()
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ON_BREAK)
    response = convert(personas.assessor, learners, follow=True)
    assert "only while the enrolment is active" in response.content.decode()
    assert not Evidence.objects.exists()
