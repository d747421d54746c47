"""The plan document: PDF, DOCX or ODT judged by content, stored privately, served only after the access check."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from portfolios.plans.services import PlanError, clean_document_name, plan_attach_document, plan_start
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
             "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
DOCM = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
             "word/vbaProject.bin": b"\x00macro"})


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))


@pytest.fixture
def plan(personas, enrolment):
    return plan_start(enrolment=enrolment, actor=personas.assessor)


def _attach(plan, actor, name: str, content: bytes):
    return plan_attach_document(plan=plan, upload=SimpleUploadedFile(name, content), actor=actor,
                                revision=plan.revision)


@pytest.mark.parametrize("name,content,kind", [("plan.pdf", PDF, "pdf"), ("plan.docx", DOCX, "docx"),
                                               ("plan.odt", ODT, "odt"), ("plan", PDF, "pdf")])
def test_pdf_docx_and_odt_are_accepted_by_their_content(personas, plan, name, content, kind):
    plan = _attach(plan, personas.assessor, name, content)
    assert plan.document.name.endswith(f".{kind}") and plan.document_name == f"plan.{kind}"
    assert "plan." not in plan.document.name  # stored under a random name, not the uploader's
    with default_storage.open(plan.document.name) as stored:
        assert stored.read() == content
    event = AuditEvent.objects.get(action="plan.document_attached")
    assert event.data["kind"] == kind and len(event.data["sha256"]) == 64


def test_an_html_file_renamed_pdf_is_refused(personas, enrolment, plan):
    response = client_for(personas.assessor).post(
        reverse("plan_document_upload", args=[enrolment.pk, plan.number]),
        {"revision": plan.revision, "document": SimpleUploadedFile("plan.pdf", HTML, content_type="application/pdf")})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_document_error"' in html and "must be a PDF, a Word document (.docx) or an OpenDocument" in html
    plan.refresh_from_db()
    assert not plan.document and plan.revision == 1


@pytest.mark.parametrize("name,content", [("sheet.odt", ODS), ("macro.docx", DOCM), ("any.docx", _zip({"a": b"b"})),
                                          ("broken.docx", b"PK\x03\x04 not really a zip")])
def test_other_zip_files_dressed_as_documents_are_refused(personas, plan, name, content):
    with pytest.raises(PlanError, match="must be a PDF") as refused:
        _attach(plan, personas.assessor, name, content)
    assert refused.value.field == "document"


def test_a_document_over_20_mb_is_refused(personas, plan):
    upload = SimpleUploadedFile("big.pdf", PDF)
    upload.size = 20 * 1024 * 1024 + 1
    with pytest.raises(PlanError, match="larger than 20 MB"):
        plan_attach_document(plan=plan, upload=upload, actor=personas.assessor, revision=plan.revision)


def test_the_learner_cannot_attach_a_document(personas, enrolment, plan):
    response = client_for(personas.learner).post(reverse("plan_document_upload", args=[enrolment.pk, 1]),
                                                  {"revision": 1, "document": SimpleUploadedFile("p.pdf", PDF)})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert not plan.document


@pytest.mark.parametrize("raw,clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\sam\\My plan.PDF", "My plan.pdf"),
    ('evil";\r\nX-Header: 1.pdf', "evilX-Header 1.pdf"), ("notes.txt", "notes.txt.pdf"), ("", "assessment-plan.pdf"),
])
def test_the_original_name_is_cleaned_for_the_download(raw, clean):
    assert clean_document_name(raw, "pdf") == clean


@pytest.mark.parametrize("who", ["learner", "assessor", "admin", "moderator", "external_moderator"])
def test_the_document_is_downloaded_as_an_attachment_by_those_who_may_see_the_enrolment(personas, enrolment, plan,
                                                                                        who):
    _attach(plan, personas.assessor, "Plan för Maya.pdf", PDF)
    if who == "external_moderator":
        make_grant(personas)  # an external moderator reads the centre only under a grant
    response = client_for(getattr(personas, who)).get(reverse("plan_document_download", args=[enrolment.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Plan%20f%C3%B6r%20Maya.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_an_external_moderator_without_a_grant_gets_404_for_the_document(personas, enrolment, plan):
    _attach(plan, personas.assessor, "Plan.pdf", PDF)
    response = client_for(personas.external_moderator).get(reverse("plan_document_download", args=[enrolment.pk, 1]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["second_learner", "second_assessor", "other_centre_assessor", "other_centre_learner",
                                 "outsider"])
def test_the_document_is_not_found_by_anyone_outside_the_enrolment(personas, enrolment, plan, who):
    _attach(plan, personas.assessor, "plan.pdf", PDF)
    response = client_for(getattr(personas, who)).get(reverse("plan_document_download", args=[enrolment.pk, 1]))
    assert response.status_code == 404


def test_a_version_without_a_document_has_nothing_to_download(personas, enrolment, plan):
    response = client_for(personas.learner).get(reverse("plan_document_download", args=[enrolment.pk, 1]))
    assert response.status_code == 404


def test_the_media_url_does_not_serve_the_document(personas, plan):
    plan = _attach(plan, personas.assessor, "plan.pdf", PDF)
    assert client_for(personas.learner).get("/media/" + plan.document.name).status_code == 404
