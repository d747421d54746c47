"""Journey 6 on a laptop, on the demo centre: the moderator opens the IQA dashboard, regenerates this cycle's plan,
opens a sampled unit from the queue, reads its evidence and audit trail, records "disagree — assessor to act" with
an action and signs; the assessor then sees the action on their home page."""

import re
import tempfile
from pathlib import Path

import pytest

from accounts.models import User
from assessment.services import review_decide, review_start
from leap import demo
from moderation.models import Sample, SampleAction, SamplingPlan
from portfolios.models import Evidence
from tests.browser.conftest import go_to, nav_link, secret_of, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())
PHONE_SIZE = {"width": 390, "height": 844}
ACTION = "Observe Tom keeping the temperature log in a live service and record it against 1.1."


def new_work_to_sample() -> None:
    """Since the plan was generated, assessor 1 has accepted learner 2's temperature log: regenerating picks it up."""
    evidence = Evidence.objects.get(enrolment__learner__email=demo.LEARNERS[1].email)
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in evidence.criteria.all()},
                  outcome="accepted", feedback="Complete log, and you acted on the high reading.")


def test_the_moderator_samples_a_unit_and_the_assessor_sees_the_action(laptop):
    centre, logins = demo.seed_demo()
    new_work_to_sample()
    learner = User.objects.get(email=demo.LEARNERS[1].email)
    page = laptop()
    sign_in(page, demo.MODERATOR_EMAIL, secret_of(logins, demo.MODERATOR_EMAIL))

    # The dashboard, from the navigation: the demo's two signed samples and one open action are counted.
    go_to(page, "Moderation")
    expect(page.get_by_role("heading", name="Moderation: my sampling")).to_be_visible()
    expect(page.get_by_role("heading", name="How these numbers are worked out")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "leap-iqa-dashboard-laptop.png", full_page=True)

    # Regenerate this cycle's plan from the approved strategy.
    page.get_by_role("link", name="Sampling plans").click()
    page.get_by_role("button", name=re.compile(r"^Generate")).first.click()
    expect(page.get_by_text(re.compile(r"Plan #2 generated with the same seed"))).to_be_visible()
    plan = SamplingPlan.objects.get(centre=centre, current=True)
    assert plan.number == 2 and plan.items.filter(enrolment__learner=learner).exists()

    # From the queue to learner 2's unit: its evidence and its audit trail.
    page.goto("/moderation/")
    page.get_by_role("link", name="Sampling queue").click()
    expect(page.get_by_role("heading", name="Sampling queue")).to_be_visible()
    page.get_by_role("link", name=re.compile(rf"^Open .*{learner.display_name}")).click()
    expect(page.get_by_role("heading", name="1 evidence item")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Temperature log for the week"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Photo: "))).to_be_visible()
    page.get_by_role("heading", name=re.compile(r"^Audit trail of the unit")).click()
    expect(page.locator("table.timeline tbody tr").first).to_be_visible()

    page.get_by_role("button", name="Start sampling this unit").click()
    expect(page.get_by_text(re.compile(r"Sample #\d+ started"))).to_be_visible()
    record = page.locator("form.iqa-record")
    record.get_by_role("checkbox").first.check()
    for group in record.locator("fieldset.iqa-yes-no").all():
        group.get_by_role("radio", name="Yes", exact=True).check()
    record.get_by_role("radio", name="Disagree — assessor to act").check()
    record.get_by_role("textbox", name="Feedback to the assessor").fill(
        "The log is complete, but it was kept in a training week, not a live service.")
    record.get_by_role("textbox", name="Action 1").fill(ACTION)
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("Sample record saved. Check it, then sign it below.")).to_be_visible()
    page.get_by_role("textbox", name="Type your full name to sign").fill("Jordan Ellis")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed; the assessor has been told.")).to_be_visible()

    sample = Sample.objects.get(enrolment__learner=learner)
    assert (sample.status, sample.outcome) == (Sample.Status.SIGNED, Sample.Outcome.DISAGREE_ACT)
    assert sample.actions.get().text == ACTION

    # The dashboard now counts it (done, and its action open); the phone view too.
    page.goto("/moderation/")
    page.screenshot(path=SCREENSHOTS / "leap-iqa-dashboard-laptop-after.png", full_page=True)
    page.set_viewport_size(PHONE_SIZE)  # the same session: a code is accepted only once
    page.screenshot(path=SCREENSHOTS / "leap-iqa-dashboard-phone.png", full_page=True)
    page.goto("/moderation/?scope=all")
    expect(page.get_by_role("heading", name="Move open items to another moderator")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "leap-iqa-dashboard-phone-all.png", full_page=True)

    # The assessor's home page shows the new action (and the demo's earlier one).
    assessor_page = laptop()
    sign_in(assessor_page, demo.ASSESSORS[0].email, secret_of(logins, demo.ASSESSORS[0].email))
    assessor_page.goto("/")
    open_actions = SampleAction.objects.filter(owner__email=demo.ASSESSORS[0].email,
                                               status=SampleAction.Status.OPEN).count()
    assert open_actions == 2
    expect(assessor_page.get_by_role("heading", name="IQA: 2 open actions")).to_be_visible()
    expect(assessor_page.get_by_text(ACTION)).to_be_visible()
    expect(nav_link(assessor_page, "My samples 2 open IQA actions")).to_be_visible()
    assessor_page.screenshot(path=SCREENSHOTS / "leap-iqa-assessor-home.png", full_page=True)
