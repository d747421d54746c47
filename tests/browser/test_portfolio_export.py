"""Journey 8 on a phone: the learner opens their profile from the menu, asks for their whole portfolio, gets the email
(the task runs at once here), follows its link in a signed-out browser, signs in, and the ZIP downloads and opens;
the used link then says so plainly."""

import re
import zipfile

import pytest
from django.core import mail

from records.exports.models import ExportRequest
from tests.factories import PASSWORD
from tests.records.exports.flow_world import LINK, learner_with_work

from .conftest import PHONE

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def sign_in_form(page, user) -> None:
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)


def test_the_learner_asks_for_their_portfolio_gets_the_email_and_downloads_the_zip(phone, browser, personas,
                                                                                    live_server, settings):
    settings.SITE_URL = live_server.url
    learner_with_work(personas)
    page = phone
    page.goto("/accounts/login/")
    sign_in_form(page, personas.learner)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    page.locator("details.menu > summary").click()
    page.get_by_role("link", name="Profile", exact=True).click()
    section = page.locator("#portfolio-export")
    expect(section.get_by_role("heading", name="Take your portfolio with you")).to_be_visible()
    button = section.get_by_role("button", name="Prepare my whole portfolio")
    assert button.bounding_box()["height"] >= 44  # thumb-sized
    button.click()
    expect(page.get_by_text("We are preparing your portfolio")).to_be_visible()
    expect(section.get_by_text("Ready")).to_be_visible()  # built at once: tasks run eagerly in tests
    expect(section.get_by_text(re.compile(r"Link expires in 7 days"))).to_be_visible()

    [email] = [m for m in mail.outbox if m.to == [personas.learner.email]]
    assert email.subject == "Your portfolio is ready to download"
    url = re.search(rf"{re.escape(live_server.url)}{LINK.pattern}", email.body).group(0)

    # The link opened from the mail app: a browser not signed in asks to sign in, then the download starts.
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, **PHONE)
    mail_page = context.new_page()
    mail_page.goto(url)
    expect(mail_page).to_have_url(re.compile(r"/accounts/login/\?next=/records/exports/download/"))
    sign_in_form(mail_page, personas.learner)
    with mail_page.expect_download() as downloading:
        mail_page.get_by_role("button", name="Sign in").click()
    download = downloading.value
    assert re.fullmatch(r"portfolio-maya-.+-\d{8}\.zip", download.suggested_filename)
    with zipfile.ZipFile(download.path()) as zf:
        assert {"index.html", "data.json", "manifest.json"} <= set(zf.namelist())
        assert zf.testzip() is None
    assert ExportRequest.objects.get().downloaded_at is not None

    # The same link again: used up, and the page says how to get the portfolio.
    mail_page.goto(url)
    expect(mail_page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    mail_page.get_by_role("link", name="Go to my portfolio exports").click()
    expect(mail_page.locator("#portfolio-export").get_by_role("link", name="Download")).to_be_visible()
    context.close()
