"""Journey 10, the witness part, on a phone: the assessor asks a workplace supervisor for a statement; the
supervisor opens the emailed link in a browser that has never signed in, writes and signs the statement, and sees a
thank-you page; the assessor's review then shows the statement and that it came from the witness."""

import re

import pytest

from qualifications.models import AssessmentCriterion
from tests.browser.conftest import PHONE, sign_in_staff
from tests.community.witness.world import ask, enrolment_with_criteria, link_in_last_email, submitted

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
TEXTS = ("Greet customers and take their orders accurately, repeating them back",
         "Handle payments and balance the till at the end of the shift")


def asked_witness(personas):
    """L's submitted item, and the link A sent its witness (the email's link, with the live server's address)."""
    enrolment, criteria = enrolment_with_criteria(personas)
    for criterion, text in zip(criteria, TEXTS, strict=True):
        AssessmentCriterion.objects.filter(pk=criterion.pk).update(text=text)
    evidence = submitted(personas, enrolment, criteria, title="Front-of-house shift at the Harbour Café")
    ask(evidence, personas.assessor, criteria, name="Pat Okafor", role="Shift supervisor")
    return evidence, link_in_last_email("pat.supervisor@example.com")


def write_statement(page) -> None:
    page.get_by_label("What you saw").fill("On Friday 20 November I watched Maya run the front of house for the "
                                             "lunch service. She took every order accurately and balanced the "
                                             "till to the penny at the end of the shift.")
    page.get_by_label("Your relationship to the learner").fill("Her line manager at the café")
    page.get_by_label("Date you observed it (or first date)").fill("2026-11-20")
    page.get_by_label("Sign: type your full name").fill("Pat Okafor")
    page.get_by_label("I confirm this declaration").check()


def test_a_witness_writes_a_statement_from_the_link_without_an_account(browser, live_server, personas, settings,
                                                                       laptop):
    settings.SITE_URL = live_server.url
    evidence, link = asked_witness(personas)
    context = browser.new_context(base_url=live_server.url, **PHONE)  # the mail app's browser: no session
    page = context.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="A witness statement for Maya")).to_be_visible()
    expect(page.get_by_text("Front-of-house shift at the Harbour Café")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)  # none of LEAP's navigation
    expect(page.get_by_label("Your role or job title")).to_have_value("Shift supervisor")

    page.get_by_role("button", name="Send my statement").click()  # unsigned: refused, nothing lost
    expect(page.get_by_role("alert")).to_have_text(re.compile("Nothing has been sent yet"))
    expect(page.get_by_text("Tick the declaration to sign the statement.")).to_be_visible()
    write_statement(page)
    button = page.get_by_role("button", name="Send my statement")
    assert button.bounding_box()["height"] >= 44  # thumb-sized
    button.click()
    expect(page.get_by_role("heading", name="Thank you: your statement has been sent")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    context.close()

    assessor = laptop()
    sign_in_staff(assessor, personas.assessor)
    assessor.goto(f"/evidence/{evidence.pk}/")
    assessor.get_by_role("link", name="Review").click()
    statement = assessor.locator(".witness-statement")
    expect(statement.get_by_text("balanced the till to the penny")).to_be_visible()
    source = re.compile(r"Written by the witness Pat Okafor, Shift supervisor, Her line manager at the café, from the "
                        r"emailed link on .* \(IP recorded\)")
    expect(statement.get_by_text(source)).to_be_visible()
    expect(assessor.get_by_text("New witness statement since submission")).to_be_visible()
