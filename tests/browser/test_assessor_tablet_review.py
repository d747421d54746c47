"""On a tablet: the assessor signs in with a code, reviews one item criterion by criterion, accepts it, and signs the
unit off."""

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from assessment.models import Review, UnitSignOff
from portfolios.evidence.services import (
    evidence_create,
    evidence_file_attach,
    evidence_save_draft,
    evidence_submit,
)
from portfolios.models import AchievedCriterion, EnrolmentUnit, Evidence
from qualifications.models import AssessmentCriterion
from tests.browser.conftest import nav_link, sign_in_staff
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TITLE = "Plated a three-course menu"


@pytest.fixture
def tablet(browser, live_server, transactional_db, settings, tmp_path) -> Iterator:
    """A page in a fresh tablet-sized context (portrait); relative URLs go to the live server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    context = browser.new_context(base_url=live_server.url, **TABLET)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def submitted_evidence(enrolment, learner, criteria) -> Evidence:
    """The learner's side, through the services: a photo, both criteria claimed, declared and submitted."""
    photo = jpeg_bytes(size=(640, 480))
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="plated-dish.jpg", size=len(photo),
                         actor=learner)
    return save_and_submit(evidence, learner, criteria)


def save_and_submit(evidence: Evidence, learner, criteria) -> Evidence:
    """The learner saves the draft's words and claims, declares and submits it."""
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=TITLE,
                        reflection="I prepared the starter and plated all three courses for service.",
                        method="product", activity_date=None, activity_place="Training kitchen", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    evidence.refresh_from_db()
    return evidence


def test_assessor_reviews_accepts_and_signs_off_a_unit_on_a_tablet(tablet, personas, mailoutbox, settings):
    settings.SITE_URL = "https://leap.example"  # the public address the badge's ids will carry
    enrolment = make_enrolment(personas.learner, personas.assessor,
                               make_spec(personas.centre, units=1, outcomes=1, criteria=2))
    c1, c2 = AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("position")
    evidence = submitted_evidence(enrolment, personas.learner, [c1, c2])
    photo = evidence.files.get()
    assert re.fullmatch(r"[0-9a-f]{64}", photo.sha256)
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment)
    page = tablet

    sign_in_staff(page, personas.assessor)
    expect(nav_link(page, "Caseload")).to_be_visible()
    page.goto("/assessment/queue/")
    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    page.get_by_role("link", name=f"Review {TITLE}").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # The photo is shown, not a broken image: decode() rejects if the bytes are not a picture.
    image = page.get_by_role("img", name="Photo: plated-dish.jpg")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 640

    for criterion in (c1, c2):
        decision = page.locator("fieldset.decision").filter(has_text=f"{criterion.number} {criterion.unit.code}")
        decision.get_by_role("radio", name="Met", exact=True).check()
    feedback = "Clean plating and good portion control across all three courses."
    page.get_by_role("textbox", name=re.compile(r"^Feedback")).fill(feedback)
    page.get_by_role("radio", name="Accept", exact=True).check()
    page.screenshot(path=SCREENSHOTS / "leap-tablet-review.png", full_page=True)
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(re.compile(r"/assessment/queue/$"))
    expect(page.get_by_text("Decision recorded; the learner has been told.")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for review.")).to_be_visible()

    # From the enrolment's page to the unit's record, which is now ready to sign off.
    page.goto(f"/enrolments/{enrolment.pk}/")
    expect(page.get_by_text("ready to sign off")).to_be_visible()
    page.locator("ul.unit-links").get_by_role("link", name=re.compile(re.escape(enrolment_unit.unit.code))).click()
    expect(page).to_have_url(re.compile(rf"/assessment/enrolments/{enrolment.pk}/units/{enrolment_unit.unit_id}/$"))
    expect(page.get_by_role("heading", name=enrolment_unit.unit.title)).to_be_visible()
    page.get_by_label("I make this declaration").check()
    page.get_by_role("button", name="Sign off and lock").click()
    expect(page.get_by_text(f"Unit {enrolment_unit.unit.code} is signed off and locked.")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Signed off and locked")
    expect(page.get_by_role("button", name="Sign off and lock")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "leap-tablet-unit-signed-off.png", full_page=True)

    review = Review.objects.get(submission__evidence=evidence)
    assert review.decided_at is not None and review.outcome == Review.Outcome.ACCEPTED
    assert review.assessor == personas.assessor and review.feedback == feedback
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.ACCEPTED
    assert set(AchievedCriterion.objects.filter(enrolment=enrolment).values_list("criterion_id", flat=True)) == {
        c1.pk, c2.pk}
    enrolment_unit.refresh_from_db()
    assert enrolment_unit.locked_at is not None
    sign_off = UnitSignOff.objects.get(enrolment_unit=enrolment_unit)
    assert sign_off.signed_off_by == personas.assessor
    assert [f["sha256"] for f in sign_off.seal["files"]] == [photo.sha256]
    to_learner = [m.subject for m in mailoutbox if m.to == [personas.learner.email]]
    assert f"“{TITLE}” was accepted" in to_learner
    assert f"Unit {enrolment_unit.unit.code} is signed off" in to_learner

    # Without anyone else acting, the sign-off in the browser has awarded the unit badge, baked it both ways and
    # emailed it; both forms pass checks made with code we did not write.
    check_the_unit_badge(personas, mailoutbox)


def check_the_unit_badge(personas, mailoutbox) -> None:
    import io
    import json

    from openbadges_bakery import unbake as bakery_unbake

    from badges.models import Award
    from badges.openbadges import ob2, ob3
    from tests.badges.test_crypto_node import node_verify
    from tests.badges.test_ob3 import itxt_chunks, schema_errors
    from tests.badges.test_ob3_views import node_check, served_jwk

    award = Award.objects.get(recipient=personas.learner, badge_class__kind="unit")
    assert award.baked_ob2 and award.baked_ob3
    with award.baked_ob2.open("rb") as handle:
        assertion = json.loads(bakery_unbake(io.BytesIO(handle.read())))
    assert assertion["id"] == ob2.assertion_url(award) and assertion["recipient"]["hashed"] is True
    with award.baked_ob3.open("rb") as handle:
        credential = json.loads(itxt_chunks(handle.read())["openbadgecredential"])
    assert schema_errors(credential) == []
    assert node_check(credential, award) == {"verified": True, "error": None}
    token = ob3.signed_jwt(award)
    assert node_verify({"jwt": token, "jwk": served_jwk(token)})["verified"] is True
    emailed = [m for m in mailoutbox if m.to == [personas.learner.email] and m.attachments]
    assert any(content.startswith(b"\x89PNG") for m in emailed for _name, content, _type in m.attachments)
