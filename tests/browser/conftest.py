"""Headless Chromium at a phone's size, driving LEAP served by pytest-django's live server."""

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

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
    """The browser, whose every new context reports CSP violations to CSP_VIOLATIONS and has each page it loads
    checked by axe-core (asserted when the context is closed)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("console", _record_csp_violation)
        audit = AxeAudit(context)
        close = context.close

        def close_after_audit(*args, **kwargs):
            try:
                audit.finish()
            finally:
                close(*args, **kwargs)
        context.close = close_after_audit
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


# axe-core (installed by tests/node's package.json) checks every page a browser test visits: each page of a
# context runs it when loaded and reports back; a page left before its report came is opened again at the end.
# Critical and serious violations fail the test.
AXE_JS = Path(__file__).resolve().parents[1] / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_FAILING_IMPACTS = ("critical", "serious")
AXE_RUNNER = """
(() => {
  if (window.top !== window || document.contentType !== 'text/html' || !location.protocol.startsWith('http')) return;
  const run = () => {
    if (!window.axe || !window.__leapAxeReport) return;
    window.axe.run(document, {resultTypes: ['violations']}).then((result) => {
      const found = result.violations.filter((v) => %(impacts)s.includes(v.impact)).map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n')[1]),
      }));
      window.__leapAxeReport({url: location.href, violations: found});
    });
  };
  if (document.readyState === 'complete') setTimeout(run, 0);
  else window.addEventListener('load', () => setTimeout(run, 0));
})();
"""


class AxeAudit:
    """Runs axe-core on every HTML page loaded in `context`; `finish()` asserts none had a serious violation."""

    def __init__(self, context):
        if not AXE_JS.is_file():
            need_service(f"axe-core is missing ({AXE_JS}): run `npm ci --prefix tests/node`")
        self.context = context
        self.loaded: list[str] = []
        self.reported: dict[str, list[dict]] = {}
        context.expose_binding("__leapAxeReport", self._report)
        runner = AXE_RUNNER % {"impacts": json.dumps(list(AXE_FAILING_IMPACTS))}
        context.add_init_script(script=AXE_JS.read_text(encoding="utf-8") + "\n" + runner)
        context.on("page", self._watch)

    def _watch(self, page) -> None:
        page.on("load", lambda p: self.loaded.append(p.url))

    def _report(self, source, data) -> None:
        self.reported.setdefault(data["url"], []).extend(data["violations"])

    def finish(self) -> None:
        pages = [p for p in self.context.pages if not p.is_closed()]
        for page in pages:  # the last page of each tab: give its report a moment to arrive
            for _ in range(40):
                if page.url in self.reported or not page.url.startswith("http"):
                    break
                page.wait_for_timeout(50)
        missed = [url for url in dict.fromkeys(self.loaded) if url.startswith("http") and url not in self.reported]
        if missed:
            page = self.context.new_page()
            for url in missed:
                try:
                    page.goto(url, wait_until="load")
                except Exception:  # noqa: BLE001 - a download or a page that no longer exists: nothing to check
                    continue
                for _ in range(60):
                    if page.url in self.reported:
                        break
                    page.wait_for_timeout(50)
            page.close()
        failures = [f"{url}: [{v['impact']}] {v['id']} ({v['help']}) at {'; '.join(v['targets'])}"
                    for url, violations in self.reported.items() for v in violations]
        if os.environ.get("LEAP_AXE") == "report":
            if failures:
                print("axe-core violations:\n" + "\n".join(dict.fromkeys(failures)))
            return
        assert not failures, "axe-core found accessibility violations:\n" + "\n".join(dict.fromkeys(failures))


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
    expect(page.locator("details.menu > summary")).to_be_visible()  # signed in: the header's menu is there


def sign_in_staff(page, user) -> None:
    """A staff member of the tests' factories: email and password, then the code from their stored TOTP secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt
    from playwright.sync_api import expect

    from tests.accounts.test_sign_in_and_second_factor import totp_now
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    page.locator("input[name=code]").fill(totp_now(secret))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()  # not "Cancel"
    expect(page).not_to_have_url(re.compile(r"/accounts/"))


def secret_of(logins, email: str) -> str:
    return next(secret for person, secret in logins if person.email == email)


def nav_link(page, name: str):
    """A place in the navigation, wherever this screen shows it: the top bar on a wide screen, else the menu
    (opened here). Returns the link, visible."""
    top = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=False)
    if top.count() and top.first.is_visible():
        return top.first
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return page.get_by_role("navigation", name="All pages").get_by_role("link", name=name).first


def go_to(page, name: str) -> None:
    """Follow a place in the navigation (see `nav_link`)."""
    nav_link(page, name).click()
