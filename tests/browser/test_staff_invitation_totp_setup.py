"""A newly invited assessor on a phone: from the invitation email to a working second factor, while the browser
asks for the favicon on the setup page (which used to draw a new secret and refuse the right code)."""

import re
import tempfile
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.signals import request_started

from accounts.models import User
from centres.models import Role
from centres.services import staff_invite
from tests.accounts.test_sign_in_and_second_factor import totp_now
from tests.browser.conftest import CSP_VIOLATIONS, PHONE, nav_link

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())
SETUP = "/accounts/2fa/totp/activate/"


def invitation_path(mailoutbox) -> str:
    return re.search(r"https?://[^/\s]+(/invitation/\S+/)", mailoutbox[-1].body).group(1)


def test_an_invited_assessor_sets_up_totp_on_a_phone_while_the_favicon_loads(browser, live_server,
                                                                               transactional_db, personas,
                                                                               mailoutbox):
    staff_invite(centre=personas.centre, email="new.assessor@example.org", role=Role.ASSESSOR, actor=personas.admin)
    link = invitation_path(mailoutbox)
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15_000)
    requested: list[str] = []
    visited: list[str] = []
    served: list[str] = []

    def record(sender, environ, **kwargs):
        served.append(environ["PATH_INFO"])

    request_started.connect(record)
    try:
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)

        page.goto(link)
        expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
        page.locator("#id_first_name").fill("Ola")
        page.locator("#id_last_name").fill("Nowak")
        page.locator("#id_password1").fill("a-long-safe-password-1")
        page.locator("#id_password2").fill("a-long-safe-password-1")
        page.get_by_role("button", name="Create account and join").click()

        expect(page).to_have_url(re.compile(re.escape(SETUP) + "$"))
        expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
        secret = page.locator("#authenticator_secret").input_value()
        page.screenshot(path=SCREENSHOTS / "leap-phone-totp-setup.png", full_page=True)

        # What a browser does by itself on this page: the favicon, as an image and at the root, and a reload.
        width = page.evaluate("""() => new Promise((done) => {
            const icon = new Image(); icon.onload = () => done(icon.naturalWidth); icon.onerror = () => done(0);
            icon.src = "/favicon.ico"; })""")
        assert width == 48
        fetched = context.request.get("/favicon.ico")
        assert fetched.ok and fetched.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
        assert fetched.url.endswith("/static/icons/favicon.ico")
        reloaded = page.reload()
        assert "frame-ancestors 'none'" in reloaded.headers["content-security-policy"]
        assert "no-store" in reloaded.headers["cache-control"]
        assert "camera=(self)" in reloaded.headers["permissions-policy"]
        assert page.locator("#authenticator_secret").input_value() == secret
        assert any("/static/icons/" in url for url in requested)  # the page's own icon link
        assert served.count("/favicon.ico") >= 2 and "/static/icons/favicon.ico" in served

        page.locator("#id_code").fill(totp_now(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_text("Incorrect code")).to_have_count(0)
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
        page.goto("/")
        expect(nav_link(page, "Caseload")).to_be_visible()
    finally:
        context.close()
        request_started.disconnect(record)

    user = User.objects.get(email="new.assessor@example.org")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert not [url for url in visited if "reauthenticate" in url], visited  # never asked to "Confirm access"


def test_the_browser_enforces_the_csp_and_the_watch_reports_it(phone):
    page = phone
    page.goto("/accounts/login/")
    try:
        page.add_script_tag(content="document.body.dataset.injected = 'ran'")
    except Exception:  # noqa: BLE001 - Playwright reports the refused script as an error
        pass
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("Content Security Policy" in violation for violation in CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()  # expected here; any other test with one fails
