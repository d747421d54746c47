"""On a phone, a learner records a voice note and sends it; their assessor, on a laptop, sees it with its player
and replies; the learner reads the reply and sees that the assessor has seen their note."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from community.conversations.models import Message, MessageFile
from tests.browser.conftest import CHROMIUM, PHONE, CspWatchedBrowser, go_to, sign_in_staff
from tests.browser.test_learner_phone_journey import sign_in
from tests.portfolios.factories import make_enrolment, make_spec

# Chromium answers getUserMedia with a generated tone, without asking: the browser records for real.
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def browser_with_microphone(browser) -> Iterator:
    """A second Chromium of the same Playwright session, launched with the fake microphone."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", *FAKE_MICROPHONE])
    yield CspWatchedBrowser(chromium)
    chromium.close()


@pytest.fixture
def phone_with_microphone(browser_with_microphone, live_server, transactional_db, settings, tmp_path) -> Iterator:
    settings.MEDIA_ROOT = tmp_path / "media"
    context = browser_with_microphone.new_context(base_url=live_server.url, permissions=["microphone"], **PHONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_learner_sends_a_voice_note_and_the_assessor_replies(phone_with_microphone, laptop, personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    phone = phone_with_microphone
    sign_in(phone, personas.learner)
    phone.get_by_role("navigation", name="Learner").get_by_role("link", name="Chat").click()
    expect(phone).to_have_url(re.compile(rf"/community/messages/{enrolment.pk}/$"))  # one course: straight there
    expect(phone.get_by_role("heading", name=re.compile("Messages about"))).to_be_visible()

    phone.get_by_role("button", name="Record a voice note").click()
    expect(phone.locator("#voice-state")).to_contain_text("Recording 0:01")
    phone.get_by_role("button", name="Stop", exact=True).click()
    expect(phone.locator("#voice-state")).to_have_text("Voice note ready: listen, then send it.")
    expect(phone.locator("#voice-preview")).to_be_visible()
    phone.get_by_role("textbox", name="Message").fill("This is how I plated the starter.")
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_text("Message sent.")).to_be_visible()
    note = MessageFile.objects.get(role="voice")
    assert note.kind == "audio" and note.content_type in ("audio/webm", "audio/ogg", "audio/mp4") and note.size > 500
    mine = phone.locator("li.chat-msg.mine")
    expect(mine.locator("audio")).to_have_count(1)
    expect(mine.get_by_text("Not seen yet")).to_be_visible()

    staff = laptop()
    sign_in_staff(staff, personas.assessor)
    messages = staff.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Messages"))
    expect(messages).to_contain_text("1")  # the unread count
    go_to(staff, "Messages")
    staff.get_by_role("link", name=personas.learner.display_name).click()
    theirs = staff.locator("li.chat-msg", has_text="This is how I plated the starter.")
    expect(theirs.locator("audio")).to_be_visible()
    expect(theirs.get_by_role("button", name=re.compile("Make it a draft evidence item"))).to_be_visible()
    staff.get_by_role("textbox", name="Message").fill(
        "Clear and well presented. Add it to your portfolio as evidence for 1.1.")
    staff.get_by_role("button", name="Send").click()
    expect(staff.get_by_text("Message sent.")).to_be_visible()
    shoot(staff, "conversation-laptop")

    phone.goto("/")
    chat = phone.get_by_role("navigation", name="Learner").get_by_role("link", name=re.compile("Chat"))
    expect(chat).to_contain_text("1")  # the reply, unread
    shoot(phone, "home-phone")
    chat.click()
    expect(phone.locator("li.chat-msg:not(.mine)")).to_contain_text("Clear and well presented.")
    expect(phone.get_by_text(re.compile(rf"Seen by {personas.assessor.display_name}"))).to_be_visible()
    assert Message.objects.count() == 2
    shoot(phone, "conversation-phone")


def shoot(page, name: str) -> None:
    import os

    folder = os.environ.get("LEAP_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
