"""Headless Chromium at a phone's size, driving LEAP served by pytest-django's live server."""

import os
import re
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import need_service

# Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls while one is running.
# The test body only sets up and checks data between browser steps, so the guard can be lifted here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
MISSING = "Chromium (Debian packages chromium, chromium-driver) and playwright are needed for browser tests"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
# What Chromium reports in the console when the Content-Security-Policy blocks something on a page (and when
# it does not understand the Permissions-Policy).
CSP_VIOLATIONS: list[str] = []
POLICY_MESSAGES = ("Content Security Policy", "Permissions-Policy header")


class CspWatchedBrowser:
    """The browser, whose every new context reports CSP violations to CSP_VIOLATIONS."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("console", _record_csp_violation)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


def _record_csp_violation(message) -> None:
    if any(words in message.text for words in POLICY_MESSAGES):
        CSP_VIOLATIONS.append(f"{message.page.url if message.page else '?'}: {message.text}")


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Every browser test runs with the real CSP on, and fails if a page it visits breaks it."""
    CSP_VIOLATIONS.clear()
    yield
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service(MISSING)
    if not shutil.which(CHROMIUM):
        need_service(MISSING)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield CspWatchedBrowser(chromium)
        chromium.close()


@pytest.fixture
def phone(browser, live_server, transactional_db, settings, tmp_path) -> Iterator:
    """A page in a fresh phone-sized context; relative URLs go to the live server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


LAPTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def laptop(browser, live_server, transactional_db, settings, tmp_path) -> Iterator:
    """A function opening a new laptop-sized page (a fresh context each time: one per person signed in)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    contexts = []

    def new_page():
        context = browser.new_context(base_url=live_server.url, **LAPTOP)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def sign_in(page, email: str, secret: str) -> None:
    """Sign a demo person in with their password and a TOTP code from their secret."""
    from playwright.sync_api import expect

    from leap import demo

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("input[name=code]").fill(demo.current_totp_code(secret))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")).to_be_visible()


def secret_of(logins, email: str) -> str:
    return next(secret for person, secret in logins if person.email == email)
