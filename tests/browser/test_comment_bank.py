"""On the demo centre: assessor 1 opens learner 2's temperature log, inserts comments from the comment bank into the
feedback (after what they typed) and the actions (at the cursor), records the decision, and the saved review holds
the comments."""

import re

import pytest

from assessment.models import CommentSnippet, Review
from leap import demo
from portfolios.models import Evidence
from tests.browser.conftest import secret_of, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def test_the_assessor_inserts_comments_from_the_bank_and_the_decision_keeps_them(laptop):
    _centre, logins = demo.seed_demo()
    submission = Evidence.objects.get(enrolment__learner__email=demo.LEARNERS[1].email).submissions.get()
    record = CommentSnippet.objects.get(title="Clear, complete record")
    at_work = CommentSnippet.objects.get(title="Show yourself at work")
    page = laptop()
    sign_in(page, demo.ASSESSORS[0].email, secret_of(logins, demo.ASSESSORS[0].email))
    page.goto(f"/assessment/review/{submission.pk}/")

    feedback, actions = page.locator("textarea[name=feedback]"), page.locator("textarea[name=actions]")
    feedback.fill("Well done, Tom.")
    page.locator("[data-comment-bank] > summary").click()
    expect(page.get_by_text("Insert puts the comment where your cursor is")).to_be_visible()
    expect(page.get_by_text("Select a comment's text and copy it")).to_be_hidden()
    bank = page.locator("[data-comment-bank] li", has_text="Clear, complete record")
    bank.get_by_role("button", name="Insert into feedback").click()
    expect(feedback).to_be_focused()
    expect(feedback).to_have_value(f"Well done, Tom.\n\n{record.text}")
    expect(page.locator("[data-comment-bank-status]")).to_have_text("Inserted into the feedback.")
    # With the cursor placed inside what is written, the comment goes there.
    actions.fill("Redo the log. Bring it on Monday.")
    actions.evaluate("area => { area.focus(); area.setSelectionRange(13, 13); }")
    page.locator("[data-comment-bank] li", has_text="Show yourself at work").get_by_role(
        "button", name="Insert into actions").click()
    expect(actions).to_be_focused()
    expect(actions).to_have_value(f"Redo the log. {at_work.text} Bring it on Monday.")
    # An actions-only comment offers no feedback button.
    expect(page.locator("[data-comment-bank] li", has_text="Show yourself at work").get_by_role(
        "button", name="Insert into feedback")).to_have_count(0)

    for group in page.locator("fieldset.decision").filter(has=page.get_by_label("Met", exact=True)).all():
        group.get_by_label("Met", exact=True).check()
    page.get_by_label("Return for resubmission").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(re.compile("Decision recorded"))).to_be_visible()

    review = Review.objects.get(submission=submission)
    assert review.feedback.replace("\r\n", "\n") == f"Well done, Tom.\n\n{record.text}"
    assert review.actions == f"Redo the log. {at_work.text} Bring it on Monday."
