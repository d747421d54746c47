import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from leap.security import SecurityHeadersMiddleware, content_security_policy
from portfolios.evidence.services import evidence_create
from portfolios.models import EvidenceFile
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_signed_in_pages_carry_a_strict_csp_a_permissions_policy_and_no_store(personas):
    response = client_for(personas.learner).get("/")
    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]  # no inline script or style
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=(self)" in policy and "geolocation=()" in policy
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_a_private_evidence_file_is_not_kept_by_any_cache(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    learner = client_for(personas.learner)
    learner.post(reverse("evidence_upload", args=[evidence.pk]),
                 {"files": [SimpleUploadedFile("k.jpg", jpeg_bytes())]}, HTTP_ACCEPT="application/json")
    response = learner.get(reverse("evidence_file", args=[EvidenceFile.objects.get().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"


def test_pages_for_visitors_keep_the_csp_but_may_be_cached(client):
    response = client.get(reverse("verify"))  # the public badge checker
    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert "no-store" not in response.get("Cache-Control", "")
    icon = client.get("/favicon.ico")
    assert icon["Cache-Control"] == "public, max-age=86400"


def test_an_icon_the_view_declares_public_stays_cacheable_for_a_signed_in_person(personas):
    response = client_for(personas.learner).get("/favicon.ico")
    assert response["Cache-Control"] == "public, max-age=86400"


def test_in_s3_mode_pages_may_show_files_from_the_bucket_and_upload_to_it(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "leap-evidence", "endpoint_url": "http://127.0.0.1:9000", "addressing_style": "path"}}}
    policy = content_security_policy()
    for directive in ("img-src", "media-src", "connect-src", "form-action"):
        assert f"{directive} 'self'" in policy
        assert "http://127.0.0.1:9000" in policy.split(f"{directive} ")[1].split(";")[0], directive
    assert "http://127.0.0.1:9000" not in policy.split("script-src ")[1].split(";")[0]


def test_on_aws_the_bucket_is_named_by_its_virtual_host(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "leap-evidence", "region_name": "eu-west-2", "addressing_style": "virtual"}}}
    assert "connect-src 'self' https://leap-evidence.s3.eu-west-2.amazonaws.com;" in content_security_policy()


def test_without_s3_no_other_origin_may_be_contacted():
    assert "connect-src 'self';" in content_security_policy()


def test_a_nonce_enters_the_policy_only_when_a_page_uses_one(rf: RequestFactory):
    def page_with_inline_script(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    plain = SecurityHeadersMiddleware(lambda request: HttpResponse("<p>hi</p>"))(rf.get("/"))
    assert "nonce-" not in plain["Content-Security-Policy"]
    request = rf.get("/")
    response = SecurityHeadersMiddleware(page_with_inline_script)(request)
    assert f"script-src 'self' 'nonce-{request.csp_nonce}'" in response["Content-Security-Policy"]
    assert f'nonce="{request.csp_nonce}"' in response.content.decode()


def test_a_json_answer_carries_no_csp_but_the_permissions_policy(personas):
    client: Client = client_for(personas.learner)
    response = client.get(reverse("notification_list"), HTTP_ACCEPT="application/json")
    assert "Permissions-Policy" in response


def test_no_page_template_has_inline_script_style_or_event_handler():
    """The CSP would block them; emails and PDFs are not pages and may style inline."""
    root = Path(settings.BASE_DIR) / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|\sstyle=|"
                        r"\son[a-z]+=|javascript:", re.IGNORECASE)
    found = [f"{path.relative_to(root)}: {match.group(0)}"
             for path in root.rglob("*.html")
             if not path.relative_to(root).parts[0] == "emails" and not path.stem.endswith("_pdf")
             for match in inline.finditer(path.read_text())]
    assert not found, found
