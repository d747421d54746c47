"""The learner's bottom tab bar on a phone; the top bar and menu on a laptop."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP
from tests.browser.test_learner_phone_journey import sign_in
from tests.factories import PASSWORD
from tests.portfolios.factories import make_enrolment, make_spec


def test_a_learner_moves_around_with_the_tab_bar_on_a_phone(phone, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    page = phone
    sign_in(page, personas.learner)
    tabs = page.get_by_role("navigation", name="Learner")
    expect(tabs.get_by_role("link")).to_have_count(6)
    box = tabs.bounding_box()
    assert box["y"] + box["height"] == 844 and box["width"] == 390  # pinned to the bottom, full width
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # the phone's header stays compact
    expect(tabs.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")

    tabs.get_by_role("link", name="Progress").click()
    expect(page).to_have_url(re.compile(r"/progress/$"))
    expect(tabs.get_by_role("link", name="Progress")).to_have_attribute("aria-current", "page")
    tabs.get_by_role("link", name="Add").click()  # one open course: straight to its form
    expect(page).to_have_url(re.compile(rf"/enrolments/{enrolment.pk}/evidence/new/$"))
    expect(page.get_by_role("heading", name="Add evidence")).to_be_visible()
    expect(tabs.get_by_role("link", name="Add")).to_have_attribute("aria-current", "page")  # the form is "Add"
    tabs.get_by_role("link", name="Badges").click()
    expect(page).to_have_url(re.compile(r"/badges/wallet/$"))

    # The page's last content is not hidden behind the bar.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    footer = page.locator("footer").bounding_box()
    assert footer["y"] + footer["height"] <= tabs.bounding_box()["y"] + 1

    # The menu holds everything else: the profile with Security under it, and signing out.
    page.locator("details.menu > summary").click()
    menu = page.locator(".menu-panel")
    expect(menu.get_by_role("link", name="Security")).to_be_visible()
    with page.expect_navigation():
        menu.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Learner")).to_have_count(0)


def test_on_a_laptop_the_places_are_in_the_top_bar_and_there_is_no_tab_bar(browser, live_server, personas):
    make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    context = browser.new_context(base_url=live_server.url, **LAPTOP)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(personas.learner.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Learner")).to_be_hidden()
        top = page.get_by_role("navigation", name="Main")
        expect(top.get_by_role("link", name="My Progress")).to_be_visible()
        top.get_by_role("link", name="My Progress").click()
        expect(top.get_by_role("link", name="My Progress")).to_have_attribute("aria-current", "page")
        page.keyboard.press("Tab")  # the first stop is the skip link, then the header
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    finally:
        context.close()


def test_chromium_reads_the_web_app_manifest_without_errors(phone, personas):
    make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    sign_in(phone, personas.learner)
    session = phone.context.new_cdp_session(phone)
    manifest = session.send("Page.getAppManifest")
    assert manifest["url"].endswith(f"/manifest.webmanifest?centre={personas.centre.slug}")
    assert manifest["errors"] == []
    assert '"display": "standalone"' in manifest["data"] and personas.centre.name in manifest["data"]
    theme = phone.locator('meta[name="theme-color"]').get_attribute("content")
    assert theme.startswith("#") and len(theme) == 7
