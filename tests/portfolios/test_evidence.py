import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from portfolios.evidence.services import evidence_create
from portfolios.models import Evidence, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for

from .evidence_samples import jpeg_bytes, png_bytes, wav_bytes
from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=2))


@pytest.fixture
def evidence(personas, enrolment):
    return evidence_create(enrolment=enrolment, actor=personas.learner)


def _criteria(enrolment, n=2):
    return list(AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("unit__position",
                                                                                              "position")[:n])


def _draft(evidence, **extra):
    data = {"title": "Plated a three-course menu", "reflection": "I prepared and plated it.", "method": "product",
            "activity_date": "2026-11-20", "activity_place": "Training kitchen",
            "criteria": [c.pk for c in _criteria(evidence.enrolment)], "revision": evidence.revision}
    data.update(extra)
    return data


def _upload(client, evidence, *files):
    return client.post(reverse("evidence_upload", args=[evidence.pk]), {"files": list(files)},
                       HTTP_ACCEPT="application/json")


def test_the_learner_saves_a_draft_as_they_go_and_a_stale_tab_is_refused(personas, evidence):
    client = client_for(personas.learner)
    response = client.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence))
    assert response.status_code == 200 and response.json()["revision"] == evidence.revision + 1
    evidence.refresh_from_db()
    assert evidence.title == "Plated a three-course menu" and evidence.claims.count() == 2
    # A second tab still holding the old revision cannot overwrite it.
    stale = client.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence, title="Old",
                                                                                 revision=evidence.revision - 1))
    assert stale.status_code == 409 and "another window or tab" in stale.json()["error"]
    evidence.refresh_from_db()
    assert evidence.title == "Plated a three-course menu"


def test_criteria_outside_the_learners_open_units_are_refused(personas, evidence):
    other = make_spec(personas.centre, code="OTHER")
    foreign = AssessmentCriterion.objects.filter(unit__version=other).first()
    response = client_for(personas.learner).post(reverse("evidence_autosave", args=[evidence.pk]),
                                                  _draft(evidence, criteria=[foreign.pk]))
    assert response.status_code == 400
    locked_unit = evidence.enrolment.enrolment_units.first()
    from django.utils import timezone

    locked_unit.__class__.objects.filter(pk=locked_unit.pk).update(locked_at=timezone.now())
    locked = AssessmentCriterion.objects.filter(unit_id=locked_unit.unit_id).first()
    response = client_for(personas.learner).post(reverse("evidence_autosave", args=[evidence.pk]),
                                                 _draft(evidence, criteria=[locked.pk]))
    assert response.status_code == 400
    assert not evidence.claims.exists()


def test_files_are_processed_hashed_thumbnailed_and_stripped_of_gps(personas, evidence):
    client = client_for(personas.learner)
    response = _upload(client, evidence, SimpleUploadedFile("kitchen.jpg", jpeg_bytes(gps=True)),
                       SimpleUploadedFile("note.wav", wav_bytes()))
    assert response.status_code == 200 and [f["ok"] for f in response.json()["files"]] == [True, True]
    photo, audio = evidence.files.order_by("pk")
    assert (photo.kind, audio.kind) == ("image", "audio")
    assert photo.location_removed and photo.thumbnail and photo.capture_time is not None
    with photo.file.open("rb") as handle:
        exif = Image.open(handle).getexif()
        assert not exif.get_ifd(0x8825) and exif.get_ifd(0x8769).get(0x9003) == "2026:11:20 10:15:00"
    import hashlib

    with photo.file.open("rb") as handle:
        assert photo.sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert audio.sha256 and audio.processed_at
    assert not photo.file.name.endswith("kitchen.jpg") and "evidence/" in photo.file.name


def test_a_refused_file_gets_its_own_message_and_nothing_is_stored(personas, evidence):
    response = _upload(client_for(personas.learner), evidence,
                       SimpleUploadedFile("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
                       SimpleUploadedFile("ok.png", png_bytes()))
    results = response.json()["files"]
    assert response.status_code == 422
    assert not results[0]["ok"] and "drawing.svg" in results[0]["error"] and "SVG" in results[0]["error"]
    assert results[1]["ok"]
    assert list(evidence.files.values_list("original_name", flat=True)) == ["ok.png"]


def test_a_png_named_pdf_is_kept_as_a_png(personas, evidence):
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("report.pdf", png_bytes()))
    attached = evidence.files.get()
    assert (attached.kind, attached.content_type, attached.original_name) == ("image", "image/png", "report.png")


def test_submitting_declares_the_files_by_hash_and_tells_the_assessor(personas, evidence, mailoutbox):
    client = client_for(personas.learner)
    _upload(client, evidence, SimpleUploadedFile("kitchen.jpg", jpeg_bytes()))
    evidence.refresh_from_db()
    assert client.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence)).status_code == 200
    evidence.refresh_from_db()
    refused = client.post(reverse("evidence_submit", args=[evidence.pk]), {"revision": evidence.revision},
                          follow=True)
    assert "Tick the declaration" in refused.content.decode()
    response = client.post(reverse("evidence_submit", args=[evidence.pk]),
                           {"revision": evidence.revision, "declared": "on"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    attached = evidence.files.get()
    assert evidence.status == Evidence.Status.SUBMITTED
    assert evidence.declaration["files"] == [{"id": attached.pk, "name": "kitchen.jpg", "sha256": attached.sha256,
                                              "size": attached.size}]
    assert mailoutbox[-1].to == [personas.assessor.email]
    assert mailoutbox[-1].subject == f"{personas.learner} submitted “Plated a three-course menu”"
    assert personas.assessor.notifications.filter(kind="evidence_submitted").exists()
    event = AuditEvent.objects.get(action="evidence.submitted")
    assert event.data["declaration"]["files"][0]["sha256"] == attached.sha256
    # Submitted evidence cannot change, but can be withdrawn until review starts.
    stale = client.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence, title="Changed"))
    assert stale.status_code == 409
    client.post(reverse("evidence_withdraw", args=[evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.DRAFT


def test_withdrawal_is_refused_once_the_assessor_started_reviewing(personas, evidence):
    from django.utils import timezone

    Evidence.objects.filter(pk=evidence.pk).update(status="submitted", review_started_at=timezone.now())
    response = client_for(personas.learner).post(reverse("evidence_withdraw", args=[evidence.pk]), follow=True)
    assert "started reviewing" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_incomplete_evidence_cannot_be_submitted(personas, evidence):
    response = client_for(personas.learner).post(reverse("evidence_submit", args=[evidence.pk]),
                                                 {"revision": evidence.revision, "declared": "on"}, follow=True)
    page = response.content.decode()
    assert "Give the evidence a title" in page and "Tick at least one criterion" in page
    evidence.refresh_from_db()
    assert evidence.status == "draft"


def test_the_portfolio_shows_evidence_by_criterion_and_what_is_missing(personas, evidence):
    client = client_for(personas.learner)
    client.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence))
    page = client.get(reverse("portfolio", args=[evidence.enrolment_id]))
    units = page.context["units"]
    first_criteria = units[0].criteria
    assert [c.missing for c in first_criteria[:3]] == [False, False, True]
    assert units[0].missing_count == len(first_criteria) - 2
    assert "Plated a three-course menu" in page.content.decode()


@pytest.mark.parametrize("who", ["second_learner", "other_centre_assessor", "outsider", "second_assessor"])
def test_others_get_404_for_the_item_and_every_file(personas, evidence, who):
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("k.jpg", jpeg_bytes()))
    Evidence.objects.filter(pk=evidence.pk).update(status="submitted")
    attached = EvidenceFile.objects.get()
    client = client_for(getattr(personas, who))
    for url in [reverse("evidence_detail", args=[evidence.pk]), reverse("evidence_file", args=[attached.pk]),
                reverse("evidence_file", args=[attached.pk]) + "?size=thumb",
                reverse("evidence_edit", args=[evidence.pk])]:
        assert client.get(url).status_code in (403, 404), url
    for url in [reverse("evidence_autosave", args=[evidence.pk]), reverse("evidence_upload", args=[evidence.pk]),
                reverse("evidence_submit", args=[evidence.pk])]:
        assert client.post(url, {}).status_code in (403, 404), url


def test_the_assessor_sees_submitted_evidence_but_not_drafts(personas, evidence):
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("k.jpg", jpeg_bytes()))
    attached = evidence.files.get()
    assessor = client_for(personas.assessor)
    assert assessor.get(reverse("evidence_detail", args=[evidence.pk])).status_code == 404
    assert assessor.get(reverse("evidence_file", args=[attached.pk])).status_code == 404
    Evidence.objects.filter(pk=evidence.pk).update(status="submitted")
    response = assessor.get(reverse("evidence_file", args=[attached.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="k.jpg"'
    # The assessor cannot change it.
    assert assessor.post(reverse("evidence_autosave", args=[evidence.pk]), _draft(evidence)).status_code == 403


def test_the_same_file_in_another_learners_evidence_is_flagged_for_the_assessor(personas, evidence):
    other = evidence_create(enrolment=make_enrolment(personas.second_learner, personas.assessor,
                                                     evidence.enrolment.version), actor=personas.second_learner)
    photo = jpeg_bytes()
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("a.jpg", photo))
    _upload(client_for(personas.second_learner), other, SimpleUploadedFile("b.jpg", photo))
    Evidence.objects.filter(pk__in=[evidence.pk, other.pk]).update(status="submitted")
    page = client_for(personas.assessor).get(reverse("evidence_detail", args=[evidence.pk])).content.decode()
    assert "Authenticity check" in page and personas.second_learner.get_full_name() in page


def test_an_iphone_heic_photo_becomes_a_jpeg_without_its_location(personas, evidence):
    import io

    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    image, exif = Image.new("RGB", (64, 48), (200, 10, 10)), Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:15:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    heic = io.BytesIO()
    image.save(heic, format="HEIF", exif=exif.tobytes())
    response = _upload(client_for(personas.learner), evidence, SimpleUploadedFile("IMG_0001.HEIC", heic.getvalue()))
    assert response.json()["files"][0]["ok"]
    attached = evidence.files.get()
    assert (attached.content_type, attached.original_name, attached.location_removed) == (
        "image/jpeg", "IMG_0001.jpg", True)
    with attached.file.open("rb") as handle:
        data = handle.read()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and not stored.getexif().get_ifd(0x8825)
    assert stored.getexif().get_ifd(0x8769).get(0x9003) == "2026:11:20 10:15:00"
    assert attached.size == len(data) and attached.thumbnail and attached.capture_time is not None


def test_files_answer_byte_ranges_so_phones_can_play_and_seek_video(personas, evidence):
    _upload(client_for(personas.learner), evidence, SimpleUploadedFile("note.wav", wav_bytes(seconds=1)))
    attached = evidence.files.get()
    with attached.file.open("rb") as handle:
        stored = handle.read()
    client = client_for(personas.learner)
    url = reverse("evidence_file", args=[attached.pk])

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{len(stored)}"
    assert b"".join(part.streaming_content) == stored[10:20]
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == stored[-5:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(stored) + 10}-")
    assert beyond.status_code == 200  # an unsatisfiable range gets the whole file, as the header is optional
