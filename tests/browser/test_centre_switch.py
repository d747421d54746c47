"""A person with roles in two centres switches between them from the header's menu."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import User
from centres.models import Membership, Role
from leap import demo
from tests.factories import CentreFactory

from .conftest import LAPTOP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def test_an_assessor_of_two_centres_switches_from_the_header(browser, live_server, transactional_db):
    north = CentreFactory(name="North Vocational College", brand_colour="#1B4D2E")
    south = CentreFactory(name="South Skills Academy")
    user = User.objects.create_user(email="two-centres@leap.test", password=demo.DEMO_PASSWORD, first_name="Robin",
                                    last_name="Hale")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    for centre in (north, south):
        Membership.objects.create(user=user, centre=centre, role=Role.ASSESSOR)

    context = browser.new_context(base_url=live_server.url, **LAPTOP)
    try:
        page = context.new_page()
        sign_in(page, user.email, secret)
        brand = page.locator("header .brand-name")
        first = brand.inner_text()
        assert first in (north.name, south.name)
        other = south if first == north.name else north

        page.locator("details.menu > summary").click()
        switch = page.get_by_label("Switch centre")
        expect(switch).to_be_visible()
        expect(switch.locator("option")).to_have_count(2)
        switch.select_option(label=other.name)
        page.get_by_role("button", name="Switch").click()
        expect(brand).to_have_text(other.name)  # the header names the centre now in use, once
        colour = page.locator('meta[name="theme-color"]').get_attribute("content")
        assert colour == ("#1b4d2e" if other == north else "#0b5cab")
    finally:
        context.close()
