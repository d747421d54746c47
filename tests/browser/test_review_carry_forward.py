"""At 1280x800: the assessor reviews resubmitted evidence with the earlier decisions carried forward, looks at the
photo in the zoomable viewer with the keyboard, and reaches the submit button."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from assessment.models import CriterionDecision
from assessment.services import review_decide, review_start
from portfolios.evidence.services import evidence_create, evidence_file_attach
from portfolios.models import Evidence
from qualifications.models import AssessmentCriterion
from tests.browser.conftest import sign_in_staff
from tests.browser.test_assessor_tablet_review import save_and_submit
from tests.portfolios.factories import make_enrolment, make_spec

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
TITLE = "Plated a three-course menu"
TEXTS = ("Prepare and present a starter, a main course and a dessert to the standard set by the head chef, "
         "within the time allowed for service",
         "Explain how portion control and food costing affect the kitchen's profit margin",
         "Keep the work area clean and safe throughout service, following the kitchen's hygiene plan")


def photo_bytes(size=(1200, 900)) -> bytes:
    """A photo with detail in it (a grid and labels), so zooming in shows something."""
    image = Image.new("RGB", size, (236, 226, 208))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 60):
        draw.line([(x, 0), (x, size[1])], fill=(150, 120, 90), width=2)
    for y in range(0, size[1], 60):
        draw.line([(0, y), (size[0], y)], fill=(150, 120, 90), width=2)
    draw.ellipse([size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4], fill=(250, 250, 250),
                 outline=(60, 60, 60), width=6)
    draw.ellipse([size[0] // 2 - 120, size[1] // 2 - 80, size[0] // 2 + 120, size[1] // 2 + 80], fill=(170, 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def resubmitted_evidence(personas) -> tuple[Evidence, list[AssessmentCriterion]]:
    """Revision 1 claimed 1.1 and 1.2 and came back with 1.1 met and 1.2 not yet met; revision 2 claims 1.3 too."""
    enrolment = make_enrolment(personas.learner, personas.assessor,
                               make_spec(personas.centre, units=1, outcomes=1, criteria=3))
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("position"))
    for criterion, text in zip(criteria, TEXTS, strict=True):
        criterion.text = text
        criterion.save(update_fields=["text"])
    learner = personas.learner
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = photo_bytes()
    evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="plated-dish.jpg", size=len(photo),
                         actor=learner)
    evidence = save_and_submit(evidence, learner, criteria[:2])
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={criteria[0].pk: True, criteria[1].pk: False},
                  outcome="returned", feedback="The plating is right.", actions="Show the portions weighed.")
    return save_and_submit(evidence, learner, criteria), criteria


def test_the_assessor_reviews_a_resubmission_with_decisions_carried_forward_and_zooms_the_photo(laptop, personas):
    evidence, (c1, c2, c3) = resubmitted_evidence(personas)
    first, second = evidence.submissions.order_by("number")
    page = laptop()
    sign_in_staff(page, personas.assessor)
    page.goto(f"/assessment/review/{second.pk}/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # Carried forward: pre-filled, marked with the revision; the new and the not-yet-met criteria need attention.
    def decision(criterion):
        return page.locator("fieldset.decision").filter(has_text=f"{criterion.number} {criterion.unit.code}")
    expect(decision(c1).get_by_role("radio", name="Met", exact=True)).to_be_checked()
    expect(decision(c1)).to_contain_text("From revision 1")
    expect(decision(c2).get_by_role("radio", name="Not yet met", exact=True)).to_be_checked()
    expect(decision(c2)).to_contain_text("Needs attention")
    expect(decision(c3)).to_contain_text("New in this revision")
    for radio in decision(c3).get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    expect(page.locator("fieldset.needs-attention")).to_have_count(2)
    expect(page.get_by_text("2 decisions are carried forward from earlier revisions.")).to_be_visible()

    # The submit button is on screen, in the panel, and nothing covers it.
    submit = page.get_by_role("button", name="Record decision")
    assert_on_screen_and_uncovered(page, submit)

    # The photo viewer, by keyboard: open, zoom in, move, reset, keep focus inside, close back to the photo.
    photo = page.get_by_role("link", name=re.compile(r"^Photo: plated-dish\.jpg"))
    photo.focus()
    page.keyboard.press("Enter")
    viewer = page.get_by_role("dialog", name="plated-dish.jpg")
    expect(viewer).to_be_visible()
    level = viewer.locator("[data-zoom-level]")
    expect(level).to_have_text("100%")
    image = viewer.locator("img[data-photo]")
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1200
    page.keyboard.press("+")
    expect(level).to_have_text("150%")
    page.keyboard.press("+")
    expect(level).to_have_text("225%")
    before = image.evaluate("img => img.style.transform")
    page.keyboard.press("ArrowLeft")
    assert image.evaluate("img => img.style.transform") != before and "scale(2.25)" in before
    page.keyboard.press("-")
    expect(level).to_have_text("150%")
    page.keyboard.press("0")
    expect(level).to_have_text("100%")
    expect(viewer.get_by_role("button", name="Zoom out")).to_be_disabled()
    for _ in range(8):
        page.keyboard.press("Tab")
        assert viewer.evaluate("dialog => dialog.contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert viewer.evaluate("dialog => dialog.contains(document.activeElement)")
    viewer.get_by_role("button", name="Zoom in").click()
    expect(level).to_have_text("150%")
    viewer.get_by_role("button", name="Reset").click()
    expect(level).to_have_text("100%")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    assert photo.evaluate("link => document.activeElement === link")

    # The mouse wheel zooms too.
    photo.click()
    expect(viewer).to_be_visible()
    stage = viewer.locator("[data-stage]").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    page.mouse.wheel(0, -400)
    expect(level).not_to_have_text("100%")
    viewer.get_by_role("button", name="Close").click()
    expect(viewer).to_be_hidden()

    # The assessor changes only what needed attention, and records the decision.
    decision(c2).get_by_role("radio", name="Met", exact=True).check()
    decision(c3).get_by_role("radio", name="Met", exact=True).check()
    page.get_by_role("textbox", name=re.compile(r"^Feedback")).fill("The portions are weighed now.")
    page.get_by_role("radio", name="Accept", exact=True).check()
    assert_on_screen_and_uncovered(page, submit)
    submit.click()
    expect(page).to_have_url(re.compile(r"/assessment/queue/$"))
    decided = dict(CriterionDecision.objects.filter(review__submission=second).values_list("criterion_id", "met"))
    assert decided == {c1.pk: True, c2.pk: True, c3.pk: True}

    # The old revision's link says it is not the current one, and leads to it.
    page.goto(f"/assessment/review/{first.pk}/")
    expect(page.get_by_text("This is revision 1, not the current one")).to_be_visible()
    page.get_by_role("link", name="Go to revision 2").click()
    expect(page).to_have_url(re.compile(rf"/assessment/review/{second.pk}/$"))


def assert_on_screen_and_uncovered(page, locator) -> None:
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"], box
    assert locator.evaluate("""button => {
        const box = button.getBoundingClientRect();
        const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return button === top || button.contains(top);
    }""")
