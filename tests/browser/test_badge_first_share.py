"""Journey 7 on a phone: the learner shares a badge for the first time, is asked whether their public badge pages
show their name, answers, copies the link; the public page names them; the next share goes straight through."""

import re

import pytest

from badges.models import PublicNameChoice
from tests.badges.test_public_award import make_award, make_badge_class
from tests.factories import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_the_first_share_asks_about_the_name_then_copies_the_link(phone, personas, live_server, settings):
    settings.SITE_URL = live_server.url
    award = make_award(make_badge_class(personas.centre, name="Barista Skills"), personas.learner)
    page = phone
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, personas.learner)

    page.goto("/badges/wallet/")
    card = page.locator(f"#award-{award.uuid}")
    expect(card.get_by_role("textbox", name="Public link")).to_have_count(0)  # not before the question
    card.get_by_role("link", name="Copy the link").click()

    expect(page.get_by_role("heading", name="Show your name on your public badge pages?")).to_be_visible()
    expect(page.get_by_text(f"Awarded to {personas.learner.display_name}")).to_be_visible()
    show = page.get_by_role("button", name="Show my name")
    expect(show).to_be_visible()
    box = show.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 44  # a full-width, thumb-sized choice on a phone
    show.click()

    link = page.get_by_role("textbox", name="Public link")
    expect(link).to_have_value(f"{live_server.url}/badges/awards/{award.uuid}/")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/badges/awards/{award.uuid}/"
    assert PublicNameChoice.objects.get(user=personas.learner).show_name is True

    page.get_by_role("link", name="Open the public page").click()
    expect(page.get_by_text(f"Awarded to {personas.learner.display_name}")).to_be_visible()

    # Answered once: LinkedIn opens straight away, without the question.
    answer = page.request.get(f"/badges/awards/{award.uuid}/share/linkedin/", max_redirects=0)
    assert answer.status == 302
    assert answer.headers["location"].startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    page.goto("/badges/wallet/")
    expect(page.locator(f"#award-{award.uuid}").get_by_role("textbox", name="Public link")).to_be_visible()
    expect(page.get_by_role("heading", name="Your name on public pages")).to_be_visible()
    expect(page.get_by_role("radio", name="Show my name")).to_be_checked()


def test_the_first_share_to_linkedin_asks_then_opens_linkedin(phone, personas, live_server, settings):
    settings.SITE_URL = live_server.url
    award = make_award(make_badge_class(personas.centre, name="Barista Skills"), personas.learner)
    page = phone
    page.route("https://www.linkedin.com/**", lambda route: route.fulfill(
        body="<!DOCTYPE html><html lang='en'><title>LinkedIn</title><main><h1>LinkedIn</h1></main></html>",
        content_type="text/html"))
    sign_in(page, personas.learner)
    page.goto("/badges/wallet/")
    page.locator(f"#award-{award.uuid}").get_by_role("link", name="Add to LinkedIn profile").click()
    page.get_by_role("button", name="Keep my name hidden").click()
    # The answer is sent to LEAP; LinkedIn then opens from the page that follows (a form is never redirected to
    # another site: the Content-Security-Policy's form-action would refuse it).
    expect(page).to_have_url(re.compile(r"^https://www\.linkedin\.com/profile/add\?startTask=CERTIFICATION_NAME"))
    assert PublicNameChoice.objects.get(user=personas.learner).show_name is False
