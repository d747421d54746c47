"""Files uploaded through the web process: hashed as they arrive, moved (not copied) into storage, and a failed
upload leaves neither a file nor a row behind."""

import hashlib
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolios.evidence import processing, services, upload_handler
from portfolios.evidence.files import KINDS
from portfolios.evidence.services import evidence_create
from portfolios.models import EvidenceFile
from tests.conftest import client_for
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

from .evidence_samples import png_bytes
from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)
VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 12_000  # ~3 MB: past memory


@pytest.fixture
def evidence(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    return evidence_create(enrolment=make_enrolment(personas.learner, personas.assessor, version),
                           actor=personas.learner)


def _upload(client, evidence, *files):
    return client.post(reverse("evidence_upload", args=[evidence.pk]), {"files": list(files)},
                       HTTP_ACCEPT="application/json")


def _waiting_uploads() -> list:
    return list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())


def _stored_files() -> list:
    return list((settings.MEDIA_ROOT / "evidence").glob("*"))


def test_a_video_is_hashed_as_it_arrives_and_moved_into_storage_not_read_again(personas, evidence, monkeypatch):
    monkeypatch.setattr(processing, "sha256_of", lambda f: pytest.fail("processing read the file again to hash it"))
    before = set(_stored_files())
    response = _upload(client_for(personas.learner), evidence, SimpleUploadedFile("site visit.mp4", VIDEO))

    assert response.status_code == 200 and response.json()["files"][0]["ok"]
    attached = EvidenceFile.objects.get(evidence=evidence)
    assert attached.kind == "video" and attached.is_processed
    assert attached.sha256 == hashlib.sha256(VIDEO).hexdigest()
    with attached.file.open("rb") as handle:
        assert handle.read() == VIDEO
    assert len(set(_stored_files()) - before) == 1 and not _waiting_uploads()
    assert os.stat(attached.file.path).st_mode & 0o777 == settings.FILE_UPLOAD_PERMISSIONS


def test_a_photo_whose_location_is_removed_is_hashed_again_as_stored(personas, evidence):
    from .evidence_samples import jpeg_bytes

    photo = jpeg_bytes(gps=True)
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("kitchen.jpg", photo))

    attached = EvidenceFile.objects.get(evidence=evidence)
    assert attached.location_removed
    with attached.file.open("rb") as handle:
        stored = handle.read()
    assert stored != photo and attached.sha256 == hashlib.sha256(stored).hexdigest()


def test_a_failure_after_the_file_was_stored_leaves_no_file_and_no_row(personas, evidence, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    before = set(_stored_files())
    client = client_for(personas.learner)
    client.raise_request_exception = False
    response = _upload(client, evidence, SimpleUploadedFile("site visit.mp4", VIDEO))

    assert response.status_code == 500
    assert not EvidenceFile.objects.exists()
    assert set(_stored_files()) == before and not _waiting_uploads()


def test_a_file_past_the_largest_limit_stops_the_upload_and_leaves_nothing(personas, evidence, settings):
    settings.LEAP_MAX_UPLOAD_BYTES = dict.fromkeys(KINDS, 1024 * 1024)
    before = set(_stored_files())
    response = _upload(client_for(personas.learner), evidence, SimpleUploadedFile("site visit.mp4", VIDEO))

    assert response.status_code == 422
    assert response.json()["files"][0]["error"] == "The upload did not arrive complete. Try again."
    assert not EvidenceFile.objects.exists() and set(_stored_files()) == before and not _waiting_uploads()


def test_a_refused_file_is_not_stored_and_its_temporary_copy_goes(personas, evidence):
    page = SimpleUploadedFile("page.mp4", b"<html><body>" * 300_000)  # past memory: streamed to a temporary file
    response = _upload(client_for(personas.learner), evidence, page)

    assert response.status_code == 422 and not EvidenceFile.objects.exists() and not _waiting_uploads()


@pytest.mark.services
def test_through_the_web_process_to_s3_the_object_is_the_file_hashed_and_labelled_by_its_content(
        s3, personas, evidence):
    picture = png_bytes()
    response = _upload(client_for(personas.learner), evidence,
                       SimpleUploadedFile("report.pdf", picture, content_type="application/pdf"),
                       SimpleUploadedFile("site visit.mp4", VIDEO, content_type="text/html"))

    assert response.status_code == 200
    png, video = EvidenceFile.objects.order_by("pk")
    for attached, content, content_type in ((png, picture, "image/png"), (video, VIDEO, "video/mp4")):
        assert s3.read(attached.file.name) == content
        assert s3.client.head_object(Bucket=s3.bucket, Key=attached.file.name)["ContentType"] == content_type
        assert attached.sha256 == hashlib.sha256(content).hexdigest()


def test_what_a_killed_upload_left_behind_is_removed_after_a_day(personas, evidence):
    left = settings.FILE_UPLOAD_TEMP_DIR / "cut-off.upload"
    recent = settings.FILE_UPLOAD_TEMP_DIR / "in-progress.upload"
    left.write_bytes(b"half a video")
    recent.write_bytes(b"still arriving")
    day_ago = left.stat().st_mtime - upload_handler.STALE_SECONDS - 60
    os.utime(left, (day_ago, day_ago))

    response = _upload(client_for(personas.learner), evidence, SimpleUploadedFile("photo.png", png_bytes()))

    assert response.status_code == 200 and response.json()["files"][0]["ok"]
    assert not left.exists() and recent.exists()
    recent.unlink()
