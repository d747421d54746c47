"""Journey 3 on a phone: the learner photographs their work, reflects, claims criteria, declares and submits."""

import io
import re
import tempfile
import wave
from pathlib import Path

import pytest
from PIL import Image

from portfolios.evidence.services import evidence_create
from portfolios.models import Evidence, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.factories import PASSWORD
from tests.portfolios.factories import make_enrolment, make_spec

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())


def photo_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def voice_note_wav(seconds: float = 0.5) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Learner").get_by_role("link", name="Portfolio")).to_be_visible()


def first_criteria(enrolment, count: int) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__version=enrolment.version)
                .order_by("unit__position", "position")[:count])


def test_learner_photographs_reflects_claims_and_submits_on_a_phone(phone, personas, mailoutbox):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    criteria = first_criteria(enrolment, 2)
    page = phone

    sign_in(page, personas.learner)
    page.get_by_role("navigation", name="Learner").get_by_role("link", name="Portfolio").click()
    page.get_by_role("link", name="Add evidence").click()
    expect(page.get_by_role("heading", name="Add evidence")).to_be_visible()
    assert not Evidence.objects.filter(enrolment=enrolment).exists()  # opening the page stores nothing
    page.screenshot(path=SCREENSHOTS / "leap-phone-evidence-new.png", full_page=True)

    # The camera input uploads as soon as the photo is taken (the first upload creates the draft); the page
    # reloads, now the draft's own page, to list it.
    with page.expect_navigation():
        page.locator("#take-photo").set_input_files(
            {"name": "plated-dish.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()})
    expect(page).to_have_url(re.compile(r"/evidence/\d+/edit/$"))
    expect(page.locator("#file-list")).to_contain_text("plated-dish.jpg")
    with page.expect_navigation():  # chosen files upload at once too, the same way
        page.locator("#pick-files").set_input_files(
            {"name": "voice-note.wav", "mimeType": "audio/wav", "buffer": voice_note_wav()})
    expect(page.locator("#file-list")).to_contain_text("plated-dish.jpg")
    expect(page.locator("#file-list")).to_contain_text("voice-note.wav")

    page.locator("#id_title").fill("Plated a three-course menu")
    page.locator("#id_reflection").fill("I prepared the starter and plated all three courses for service.")
    page.locator("#id_method").select_option("product")
    for criterion in criteria:
        page.locator(f"#criterion-{criterion.pk}").check()
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    page.screenshot(path=SCREENSHOTS / "leap-phone-evidence-edit.png", full_page=True)

    page.locator("#submit-form input[name=declared]").check()
    page.locator("#submit-form").get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/evidence/\d+/$"))
    expect(page.locator(".status")).to_have_text("Submitted")
    page.screenshot(path=SCREENSHOTS / "leap-phone-evidence-submitted.png", full_page=True)

    evidence = Evidence.objects.get(enrolment=enrolment)
    assert evidence.status == Evidence.Status.SUBMITTED
    assert evidence.title == "Plated a three-course menu"
    files = list(evidence.files.order_by("pk"))
    assert [f.kind for f in files] == [EvidenceFile.Kind.IMAGE, EvidenceFile.Kind.AUDIO]
    assert all(re.fullmatch(r"[0-9a-f]{64}", f.sha256) for f in files)
    assert set(evidence.claims.values_list("criterion_id", flat=True)) == {c.pk for c in criteria}
    assert [f["sha256"] for f in evidence.declaration["files"]] == [f.sha256 for f in files]
    to_assessor = [m for m in mailoutbox if personas.assessor.email in m.to]
    assert len(to_assessor) == 1 and "submitted" in to_assessor[0].subject.lower()


def test_typed_reflection_is_saved_on_the_server_and_survives_a_reload(phone, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    page = phone
    text = "Cleaned down the pass and checked the fridge temperatures."

    sign_in(page, personas.learner)
    page.goto(f"/evidence/{evidence.pk}/edit/")
    page.locator("#id_reflection").fill(text)
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    page.evaluate("localStorage.clear()")  # what comes back must come from the server, not from this device
    page.reload()

    expect(page.locator("#id_reflection")).to_have_value(text)
    evidence.refresh_from_db()
    assert evidence.reflection == text


def test_an_svg_is_refused_in_the_progress_list_and_nothing_is_attached(phone, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    page = phone
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    sign_in(page, personas.learner)
    page.goto(f"/evidence/{evidence.pk}/edit/")
    page.locator("#pick-files").set_input_files({"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": svg})

    refused = page.locator("#upload-progress li.failed")
    expect(refused).to_contain_text("drawing.svg")
    expect(refused.locator(".state")).to_contain_text("SVG images can carry scripts and are not accepted")
    expect(page.locator("#no-files")).to_be_visible()
    assert not EvidenceFile.objects.filter(evidence=evidence).exists()


def test_the_first_typing_creates_one_draft_which_the_learner_can_delete_on_a_phone(phone, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    page = phone
    text = "Prepared the mise en place for lunch service."

    sign_in(page, personas.learner)
    page.goto(f"/enrolments/{enrolment.pk}/portfolio/")
    page.get_by_role("link", name="Add evidence").click()
    page.wait_for_load_state("load")  # the page's script is listening
    page.locator("#id_reflection").fill(text)
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    page.locator("#id_title").fill("Mise en place")  # the next save goes to the draft's own autosave
    expect(page).to_have_url(re.compile(r"/evidence/\d+/edit/$"))
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    page.wait_for_timeout(1500)
    evidence = Evidence.objects.get(enrolment=enrolment)
    assert evidence.reflection == text

    page.reload()
    expect(page.locator("#id_title")).to_have_value("Mise en place")
    page.get_by_role("link", name="Delete this draft").click()
    page.screenshot(path=SCREENSHOTS / "leap-phone-evidence-delete.png", full_page=True)
    page.get_by_role("button", name="Delete the draft").click()
    expect(page.get_by_text("Draft deleted.")).to_be_visible()
    assert not Evidence.objects.filter(enrolment=enrolment).exists()
