"""On a phone: a peer comments on a learner's shared evidence; the comment waits for the owner's approval (the peer
sees "Waiting for approval", a third member does not see it); the owner approves it and the third member sees it."""

import pytest

from community.sharing.services import item_share
from tests.assessment.comment_bank.helpers import submitted_evidence
from tests.browser.conftest import PHONE
from tests.browser.test_learner_phone_journey import sign_in
from tests.community.groups.helpers import add
from tests.factories import learner as make_learner
from tests.portfolios.factories import make_enrolment, make_spec

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def shared_world(personas):
    from community.groups.services import group_create

    group = group_create(centre=personas.centre, actor=personas.assessor, name="Bakery Level 2 — September")
    third = make_learner(personas.centre, personas.assessor, first_name="Theo", last_name="Baker")
    add(group, personas.assessor, personas.learner, personas.second_learner, third)
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    evidence = submitted_evidence(enrolment, personas.learner, title="Sourdough loaf")
    return item_share(actor=personas.learner, group=group, evidence=evidence), third


def test_a_peer_comment_waits_for_the_owner_then_the_group_sees_it(phone, browser, live_server, personas):
    item, third = shared_world(personas)
    text = "The crumb looks really open — how long did you prove it?"
    sign_in(phone, personas.second_learner)
    phone.goto(item.get_absolute_url())
    phone.get_by_label("Your comment").fill(text)
    phone.get_by_role("button", name="Post comment").click()
    expect(phone.get_by_text("It is waiting for approval")).to_be_visible()
    mine = phone.locator(".peer-comment", has_text=text)
    expect(mine.get_by_text("Waiting for approval")).to_be_visible()

    pages = {}
    for who, user in (("third", third), ("owner", personas.learner)):
        context = browser.new_context(base_url=live_server.url, **PHONE)
        pages[who] = context.new_page()
        sign_in(pages[who], user)
        pages[who].goto(item.get_absolute_url())
    expect(pages["third"].get_by_role("heading", name="Sourdough loaf")).to_be_visible()
    expect(pages["third"].get_by_text(text)).to_have_count(0)

    owner = pages["owner"]
    comment = owner.locator(".peer-comment", has_text=text)
    comment.get_by_role("button", name="Approve").click()
    expect(owner.get_by_text("Approved: the group sees it now.")).to_be_visible()
    expect(owner.locator(".peer-comment", has_text=text).get_by_text("Waiting for approval")).to_have_count(0)

    pages["third"].reload()
    expect(pages["third"].get_by_text(text)).to_be_visible()
    phone.reload()
    expect(phone.locator(".peer-comment", has_text=text).get_by_text("Waiting for approval")).to_have_count(0)
    for page in pages.values():
        page.context.close()
