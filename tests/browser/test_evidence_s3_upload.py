"""On a phone, the evidence page sends a photo straight to S3 (moto's server), then the server confirms it."""

import hashlib

import pytest
from django.core.signals import request_started
from django.urls import reverse

from portfolios.evidence.services import evidence_create
from portfolios.models import EvidenceFile
from tests.factories import PASSWORD
from tests.portfolios.factories import make_enrolment, make_spec
from tests.portfolios.test_evidence_s3 import jpeg
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

pytestmark = pytest.mark.services


def test_a_learner_on_a_phone_uploads_a_photo_straight_to_s3(s3, browser, live_server, transactional_db, personas,
                                                            settings):
    settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, live_server.url]
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    photo = jpeg(size=(1200, 900))
    bodies: list[int] = []

    def record(sender, environ, **kwargs):
        bodies.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(record)
    console: list[str] = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", personas.learner.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("button[type=submit]", has_text="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(live_server.url + reverse("evidence_edit", args=[evidence.pk]))
        assert page.get_attribute("#upload-form", "data-direct") == "1"
        page.set_input_files("#pick-files", files=[{"name": "hand wash.jpg", "mimeType": "image/jpeg",
                                                    "buffer": photo}])  # sent as soon as it is chosen
        page.wait_for_selector("#upload-progress li.ok, #upload-progress li.failed", timeout=30_000)
        state = page.text_content("#upload-progress li")
        page.wait_for_selector("#file-list a:has-text('hand wash.jpg')", timeout=30_000)  # after the page reloads
    finally:
        context.close()
        request_started.disconnect(record)

    assert "failed" not in state, (state, console)
    attached = EvidenceFile.objects.get(evidence=evidence)
    assert (attached.kind, attached.size, attached.original_name) == ("image", len(photo), "hand wash.jpg")
    assert attached.file.name in s3.keys("evidence/")
    assert hashlib.sha256(s3.read(attached.file.name)).hexdigest() == hashlib.sha256(photo).hexdigest()
    assert attached.is_processed and attached.sha256 == hashlib.sha256(photo).hexdigest()
    assert len(photo) > 100_000 and max(bodies) < 2_000  # no request to Django carried the photo
