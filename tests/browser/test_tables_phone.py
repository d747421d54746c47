"""On a phone the staff tables (queue, caseload, staff, workload, learners) are cards that fit the screen, and
axe-core finds nothing critical or serious on them, on a phone or a laptop.

axe-core runs on every page a browser test loads (tests/browser/conftest.py) and reports when the context closes."""

import re

import pytest

from leap import demo
from tests.browser.conftest import LAPTOP, PHONE, secret_of

pytestmark = pytest.mark.services

# Who opens which page, and the text its first card leads with.
PAGES = [
    (demo.ASSESSORS[0].email, "/assessment/queue/", "Tom Becker"),
    (demo.ASSESSORS[0].email, "/caseload/", "Aisha Khan"),
    (demo.ADMIN.email, "/centre/staff/", "Alex Morgan"),
    (demo.ADMIN.email, "/assessment/workload/", "Sam Okafor"),
    (demo.ADMIN.email, "/centre/learners/", "Aisha Khan"),
]
CARD = """() => [...document.querySelectorAll("table.stack tbody tr")].map(tr => {
    const first = tr.querySelector("td, th");
    return {display: getComputedStyle(tr).display, text: first.innerText.trim(),
            weight: Number(getComputedStyle(first).fontWeight)};
})"""


def _sign_in(page, email: str, secret: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("input[name=code]").fill(demo.current_totp_code(secret))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def _page_for(browser, live_server, size: dict, email: str, logins):
    context = browser.new_context(base_url=live_server.url, **size)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, email, secret_of(logins, email))
    return context, page


@pytest.fixture
def demo_logins(browser, live_server, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return demo.seed_demo()[1]


def test_staff_tables_are_cards_on_a_phone_with_no_sideways_scroll_and_no_serious_axe_findings(
        browser, live_server, demo_logins):
    for email in dict.fromkeys(email for email, _, _ in PAGES):
        context, page = _page_for(browser, live_server, PHONE, email, demo_logins)
        for _, url, first in (p for p in PAGES if p[0] == email):
            page.goto(url)
            cards = page.evaluate(CARD)
            assert cards and all(card["display"] == "grid" for card in cards), (url, cards)
            assert any(card["text"].startswith(first) and card["weight"] >= 600 for card in cards), (url, cards)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["viewport"]["width"], f"{url} scrolls sideways: {width}px"
        context.close()  # asserts that axe-core found nothing serious on the pages


def test_staff_tables_have_no_serious_axe_findings_on_a_laptop(browser, live_server, demo_logins):
    for email in dict.fromkeys(email for email, _, _ in PAGES):
        context, page = _page_for(browser, live_server, LAPTOP, email, demo_logins)
        for _, url, _first in (p for p in PAGES if p[0] == email):
            page.goto(url)
            assert page.evaluate("getComputedStyle(document.querySelector('table.stack tbody tr')).display") \
                == "table-row", url
        context.close()  # asserts that axe-core found nothing serious on the pages


def test_the_404_page_is_leaps_and_passes_axe(browser, live_server, demo_logins):
    context, page = _page_for(browser, live_server, PHONE, demo.ADMIN.email, demo_logins)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="We cannot find that page").is_visible()
    context.close()
