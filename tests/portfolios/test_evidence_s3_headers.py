"""Files served from S3 are never rendered as a page: the presigned link fixes the type and the disposition, and
the stored object carries them too."""

import pytest
import requests
from django.urls import reverse

from portfolios.evidence.services import evidence_create
from portfolios.models import EvidenceFile
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

from .test_evidence_s3 import upload

pytestmark = pytest.mark.services

@pytest.fixture
def evidence(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    return evidence_create(enrolment=enrolment, actor=personas.learner)


PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _fetched(personas, attached: EvidenceFile) -> requests.Response:
    answer = client_for(personas.learner).get(reverse("evidence_file", args=[attached.pk]))
    assert answer.status_code == 302 and answer.url.startswith("http")
    return requests.get(answer.url, timeout=30)


def test_a_text_file_holding_markup_is_served_from_s3_as_a_plain_text_download(
        s3, personas, evidence, django_capture_on_commit_callbacks):
    notes = b"My notes\n" + PAGE
    upload(client_for(personas.learner), evidence, notes, "notes.txt", django_capture_on_commit_callbacks)
    attached = EvidenceFile.objects.get()
    fetched = _fetched(personas, attached)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"].startswith("text/plain")
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    stored = s3.client.head_object(Bucket=s3.bucket, Key=attached.file.name)
    assert stored["ContentType"].startswith("text/plain") and stored["ContentDisposition"].startswith("attachment")


def test_a_stored_file_of_a_type_leap_never_accepts_is_served_from_s3_as_a_download_not_a_page(
        s3, personas, evidence, django_capture_on_commit_callbacks):
    upload(client_for(personas.learner), evidence, b"My notes\n", "notes.txt", django_capture_on_commit_callbacks)
    attached = EvidenceFile.objects.get()
    # A row and an object changed behind LEAP's back (or stored before the checks): HTML, said to be an image.
    s3.client.put_object(Bucket=s3.bucket, Key=attached.file.name, Body=PAGE, ContentType="text/html")
    EvidenceFile.objects.filter(pk=attached.pk).update(content_type="text/html", kind=EvidenceFile.Kind.IMAGE)
    attached.refresh_from_db()
    fetched = _fetched(personas, attached)
    assert fetched.status_code == 200 and fetched.content == PAGE
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")


def test_embedded_and_s3_serving_decide_the_type_and_disposition_the_same_way(personas, evidence, settings, tmp_path):
    from django.core.files.base import ContentFile

    from portfolios.evidence.views import stored_file_response

    settings.MEDIA_ROOT = tmp_path
    attached = EvidenceFile(evidence=evidence, original_name="x.jpg", kind="image", content_type="text/html",
                            size=len(PAGE), extension=".jpg")
    attached.file.save("x.jpg", ContentFile(PAGE), save=False)
    response = stored_file_response(attached.file, content_type="text/html", filename="x.jpg", inline=True)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
