"""'Add evidence' creates nothing until the first save; a repeated first save makes one draft; drafts can be
deleted by their learner."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from portfolios.evidence.services import (
    evidence_create,
    evidence_file_attach,
    evidence_save_draft,
    evidence_submit,
    evidence_withdraw,
)
from portfolios.models import Evidence, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for

from .evidence_samples import jpeg_bytes
from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=2))


def _token(page: str) -> str:
    return re.search(r'name="draft_token" value="([^"]+)"', page).group(1)


def _first_save(enrolment, token, **extra):
    criterion = AssessmentCriterion.objects.filter(unit__version=enrolment.version).first()
    return {"title": "Plated a menu", "reflection": "I plated it.", "method": "product", "activity_place": "",
            "criteria": [criterion.pk], "revision": 1, "draft_token": token, **extra}


def test_add_evidence_shows_an_empty_form_and_creates_nothing(personas, enrolment):
    client = client_for(personas.learner)
    for _ in range(3):
        page = client.get(reverse("evidence_new", args=[enrolment.pk]))
        assert page.status_code == 200 and _token(page.content.decode())
    assert not Evidence.objects.exists()
    portfolio = client.get(reverse("portfolio", args=[enrolment.pk])).content.decode()
    assert f'href="{reverse("evidence_new", args=[enrolment.pk])}"' in portfolio


def test_the_first_save_creates_the_draft_once_however_often_it_is_sent(personas, enrolment):
    client = client_for(personas.learner)
    token = _token(client.get(reverse("evidence_new", args=[enrolment.pk])).content.decode())
    first = client.post(reverse("evidence_new", args=[enrolment.pk]), _first_save(enrolment, token))
    evidence = Evidence.objects.get()
    assert first.status_code == 302 and first.url == reverse("evidence_edit", args=[evidence.pk])
    assert evidence.title == "Plated a menu" and evidence.claims.count() == 1
    again = client.post(reverse("evidence_new", args=[enrolment.pk]), _first_save(enrolment, token))
    assert again.status_code == 302 and again.url == first.url
    assert Evidence.objects.count() == 1
    assert AuditEvent.objects.filter(action="evidence.created").count() == 1


def test_the_first_autosave_creates_the_draft_and_answers_where_to_save_next(personas, enrolment):
    client = client_for(personas.learner)
    token = _token(client.get(reverse("evidence_new", args=[enrolment.pk])).content.decode())
    answers = [client.post(reverse("evidence_new", args=[enrolment.pk]), _first_save(enrolment, token),
                           HTTP_ACCEPT="application/json") for _ in range(2)]
    evidence = Evidence.objects.get()
    for answer in answers:
        body = answer.json()
        assert answer.status_code == 200 and body["ok"] and body["pk"] == evidence.pk
        assert body["autosave_url"] == reverse("evidence_autosave", args=[evidence.pk])
        assert body["upload_url"] == reverse("evidence_upload", args=[evidence.pk])
        assert body["edit_url"] == reverse("evidence_edit", args=[evidence.pk])
    assert answers[1].json()["revision"] == evidence.revision


def test_without_javascript_a_photo_sent_from_the_new_page_creates_the_draft_with_it(personas, enrolment):
    client = client_for(personas.learner)
    token = _token(client.get(reverse("evidence_new", args=[enrolment.pk])).content.decode())
    photo = SimpleUploadedFile("plate.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(reverse("evidence_new", args=[enrolment.pk]),
                           {"files": [photo], "revision": 1, "draft_token": token})
    evidence = Evidence.objects.get()
    assert response.status_code == 302 and evidence.files.count() == 1


@pytest.mark.parametrize("who,status", [("second_learner", 404), ("other_centre_learner", 404), ("outsider", 404),
                                        ("assessor", 403), ("admin", 403)])
def test_only_the_learner_adds_evidence_to_their_enrolment(personas, enrolment, who, status):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("evidence_new", args=[enrolment.pk])).status_code == status
    assert client.post(reverse("evidence_new", args=[enrolment.pk]),
                       _first_save(enrolment, "t" * 20)).status_code == status
    assert not Evidence.objects.exists()


def _draft_with_photo(personas, enrolment) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    photo = jpeg_bytes()
    from django.core.files.base import ContentFile

    evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo),
                         actor=personas.learner)
    return evidence


def test_the_learner_deletes_a_draft_after_confirming_and_its_files_go(personas, enrolment):
    evidence = _draft_with_photo(personas, enrolment)
    stored = [name for f in EvidenceFile.objects.filter(evidence=evidence) for name in (f.file.name, f.thumbnail.name)
              if name]
    assert stored and all(default_storage.exists(name) for name in stored)
    client = client_for(personas.learner)
    confirm = client.get(reverse("evidence_delete", args=[evidence.pk]))
    assert confirm.status_code == 200 and "Delete this draft" in confirm.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()  # asking deletes nothing

    response = client.post(reverse("evidence_delete", args=[evidence.pk]))

    assert response.status_code == 302 and response.url == reverse("portfolio", args=[enrolment.pk])
    assert not Evidence.objects.filter(pk=evidence.pk).exists() and not EvidenceFile.objects.exists()
    assert not any(default_storage.exists(name) for name in stored)
    event = AuditEvent.objects.get(action="evidence.draft_deleted")
    assert event.actor == personas.learner and event.data["files"][0]["name"] == "a.jpg"


@pytest.mark.parametrize("withdrawn", [False, True])
def test_evidence_that_was_ever_submitted_cannot_be_deleted(personas, enrolment, withdrawn):
    evidence = _draft_with_photo(personas, enrolment)
    evidence.refresh_from_db()
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version)[:1])
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=personas.learner, title="t",
                        reflection="r", method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=personas.learner)
    if withdrawn:  # a draft again, but its submitted revision stays in the record
        evidence_withdraw(evidence=evidence, actor=personas.learner)
    client_for(personas.learner).post(reverse("evidence_delete", args=[evidence.pk]))
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert not AuditEvent.objects.filter(action="evidence.draft_deleted").exists()


@pytest.mark.parametrize("who", ["second_learner", "assessor", "admin", "other_centre_learner", "outsider"])
def test_nobody_else_can_delete_a_learners_draft(personas, enrolment, who):
    evidence = _draft_with_photo(personas, enrolment)
    client = client_for(getattr(personas, who))
    assert client.get(reverse("evidence_delete", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("evidence_delete", args=[evidence.pk])).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
