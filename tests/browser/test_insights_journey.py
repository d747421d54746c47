"""Management information on the demo centre: the centre admin opens the reports on a phone, follows the "In
learning" headline figure to its learners, then reads a report with its chart on a laptop and filters it."""

import re
import tempfile
from pathlib import Path

import pytest

from leap import demo
from portfolios.models import Enrolment

from .conftest import PHONE, go_to
from .test_moderator_journey import secret_of, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())
LAPTOP_SIZE = {"width": 1280, "height": 800}


def card(page, label: str, within: str = ""):
    """The figure card with this label."""
    return page.locator(f"{within} .mi-figure".strip()).filter(
        has=page.locator(".mi-figure-label").get_by_text(label, exact=True))


def test_the_centre_admin_follows_a_headline_figure_to_its_learners_on_a_phone_and_a_laptop(
        browser, live_server, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    centre, logins = demo.seed_demo()
    in_learning = Enrolment.objects.filter(centre=centre, status__in=("active", "on_break")).count()
    assert in_learning
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, demo.ADMIN.email, secret_of(logins, demo.ADMIN.email))

    # Home shows the centre at a glance; the navigation leads to every report.
    expect(page.get_by_role("heading", name="The centre at a glance")).to_be_visible()
    go_to(page, "Reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    figure = card(page, "In learning", within=".mi-headlines")
    expect(figure.locator(".mi-figure-value")).to_have_text(str(in_learning))
    expect(figure).to_contain_text("enrolments active or on a break")  # its formula, beside it
    page.screenshot(path=SCREENSHOTS / "leap-insights-home-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]

    # The figure opens the learners behind it: as many rows as it counts, each a link to the enrolment.
    figure.get_by_role("link").click()
    expect(page.get_by_role("heading", name="In learning (active or on a break)")).to_be_visible()
    expect(page.get_by_text(f"{in_learning} enrolments")).to_be_visible()
    expect(page.locator("table.mi-drill tbody tr")).to_have_count(in_learning)
    page.screenshot(path=SCREENSHOTS / "leap-insights-drill-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]

    # On a laptop (the same session): the report with its chart, the same data as a table, then filtered.
    page.set_viewport_size(LAPTOP_SIZE)
    page.get_by_role("link", name="Achievement", exact=True).click()
    expect(page.get_by_role("heading", name="Achievement", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Achievement by cohort"))).to_be_visible()
    expect(page.get_by_role("heading", name="How this is counted")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "leap-insights-report-laptop.png", full_page=True)
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Enrolment status").select_option("completed")
    page.get_by_role("button", name="Apply").click()
    completed = Enrolment.objects.filter(centre=centre, status="completed").count()
    expect(card(page, "In learning").locator(".mi-figure-value")).to_have_text("0")
    expect(card(page, "Completed").locator(".mi-figure-value")).to_have_text(str(completed))
    expect(page.get_by_role("link", name="CSV")).to_have_attribute("href", re.compile(r"status=completed"))
    context.close()
