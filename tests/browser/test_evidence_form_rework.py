"""The evidence form on a phone: chosen files upload at once (as a photo does), each unit counts its ticked
criteria live, the draft note shows only while the script saves as you type; returned work puts the assessor's
feedback first, and beside the form (above it on a phone) while the learner improves it."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment.services import review_decide, review_start
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import Evidence, EvidenceFile, Method
from qualifications.models import AssessmentCriterion
from tests.factories import PASSWORD
from tests.portfolios.factories import make_enrolment, make_spec

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services

FEEDBACK = "The plating is tidy, but the garnish is missing."
ACTIONS = "Add a close-up photo of the garnished plate."


def photo_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def criteria_of(enrolment, unit_position: int) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__version=enrolment.version, unit__position=unit_position)
                .order_by("position"))


def returned_evidence(personas, enrolment) -> Evidence:
    learner = personas.learner
    met, not_met = criteria_of(enrolment, 0)[:2]
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    evidence_file_attach(evidence=evidence, upload=SimpleUploadedFile("plated-dish.jpg", photo_jpeg()),
                         name="plated-dish.jpg", size=len(photo_jpeg()), actor=learner)
    evidence.refresh_from_db()
    evidence = evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title="Plated a menu",
                                   reflection="I prepared and plated it.", method=Method.PRODUCT,
                                   activity_date=None, activity_place="", criteria=[met, not_met])
    evidence = evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={met.pk: True, not_met.pk: False},
                  outcome="returned", feedback=FEEDBACK, actions=ACTIONS)
    return evidence


def test_chosen_files_upload_at_once_and_units_count_ticks_live_on_a_phone(phone, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=3))
    page = phone
    sign_in(page, personas.learner)
    page.goto(f"/enrolments/{enrolment.pk}/evidence/new/")
    page.wait_for_load_state("load")  # the page's script is listening

    expect(page.locator("#save-note")).to_be_visible()
    expect(page.locator("#save-status")).to_have_text("Your draft is saved as soon as you add a file or start typing.")
    expect(page.locator("#upload-button")).to_be_hidden()  # nothing waits for a button: choosing sends

    # "Choose files" goes the way "Take a photo" goes: uploaded at once; the first upload creates the draft.
    with page.expect_navigation():
        page.locator("#pick-files").set_input_files(
            {"name": "plated-dish.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()})
    expect(page).to_have_url(re.compile(r"/evidence/\d+/edit/$"))
    expect(page.locator("#file-list")).to_contain_text("plated-dish.jpg")
    evidence = Evidence.objects.get(enrolment=enrolment)
    assert [f.original_name for f in evidence.files.all()] == ["plated-dish.jpg"]
    expect(page.locator("#save-status")).to_have_text("Your draft is saved as you type.")

    units = page.locator("details.criteria-unit")
    expect(units).to_have_count(3)
    expect(units.nth(0)).to_have_attribute("open", "")
    second = units.nth(1)
    expect(second.locator(".ticked-count")).to_have_text("0 of 6 ticked")
    second.locator("summary").click()
    for criterion in criteria_of(enrolment, 1)[:2]:
        page.locator(f"#criterion-{criterion.pk}").check()
    expect(second.locator(".ticked-count")).to_have_text("2 of 6 ticked")
    page.locator(f"#criterion-{criteria_of(enrolment, 1)[0].pk}").uncheck()
    expect(second.locator(".ticked-count")).to_have_text("1 of 6 ticked")
    expect(units.nth(0).locator(".ticked-count")).to_have_text("0 of 6 ticked")
    expect(page.locator("#save-status")).to_have_text("Draft saved just now")
    page.wait_for_timeout(1500)
    assert list(evidence.claims.values_list("criterion_id", flat=True)) == [criteria_of(enrolment, 1)[1].pk]


def test_without_javascript_files_go_with_the_upload_button_and_no_draft_note_shows(browser, live_server, personas,
                                                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=2))
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, personas.learner)
        page.goto(f"/evidence/{evidence.pk}/edit/")
        expect(page.locator("#save-note")).to_be_hidden()
        expect(page.locator(".ticked-count").first).to_have_text("0 of 6 ticked")
        page.locator("#pick-files").set_input_files(
            {"name": "plated-dish.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()})
        page.locator("#upload-button").click()
        expect(page.locator("#file-list")).to_contain_text("plated-dish.jpg")
    finally:
        context.close()
    assert EvidenceFile.objects.filter(evidence=evidence).count() == 1


def test_returned_work_puts_feedback_first_and_beside_the_form(phone, laptop, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=2))
    evidence = returned_evidence(personas, enrolment)
    page = phone
    sign_in(page, personas.learner)
    page.goto(f"/evidence/{evidence.pk}/")
    feedback = page.locator(".feedback-card")
    expect(feedback).to_contain_text(FEEDBACK)
    expect(feedback).to_contain_text(ACTIONS)
    resubmit = page.get_by_role("link", name="Improve and resubmit")
    assert feedback.bounding_box()["y"] < resubmit.bounding_box()["y"] < page.locator("#evidence-h").bounding_box()["y"]
    technical = page.locator("details", has_text="Technical details")
    expect(technical.locator(".hash")).to_be_hidden()  # the SHA-256 waits behind its disclosure
    technical.locator("summary").click()
    expect(technical.locator(".hash")).to_contain_text(EvidenceFile.objects.get(evidence=evidence).sha256)

    resubmit.click()
    expect(page.get_by_role("heading", name="Improve and resubmit", level=1)).to_be_visible()
    column, form = page.locator(".resubmit-feedback"), page.locator("#files-h")
    expect(column).to_contain_text(ACTIONS)
    assert column.bounding_box()["y"] < form.bounding_box()["y"]  # above the form on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    wide = laptop()
    sign_in(wide, personas.learner)
    wide.goto(f"/evidence/{evidence.pk}/edit/")
    column, form = wide.locator(".resubmit-feedback"), wide.locator("#files-h")
    expect(column).to_contain_text(FEEDBACK)
    assert column.bounding_box()["x"] > form.bounding_box()["x"] + form.bounding_box()["width"] / 2  # beside it
    assert abs(column.bounding_box()["y"] - wide.locator(".resubmit-form").bounding_box()["y"]) < 5
