"""The board: threads and replies, pinned and locked threads, the edit window, removal lines, notifications."""

import datetime

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from centres.services import ServiceError
from community.groups.models import Post, Thread
from community.groups.services import post_delete, post_edit, post_hide, thread_lock, thread_pin
from notifications.models import Notification
from tests.conftest import client_for

from .helpers import add, reply, start

pytestmark = pytest.mark.django_db


def thread_url(thread) -> str:
    return reverse("group_thread", args=[thread.group_id, thread.pk])


def test_a_member_starts_a_thread_and_others_reply(personas, group):
    thread = start(group, personas.learner)
    reply(thread, personas.second_learner)
    page = client_for(personas.assessor).get(thread_url(thread)).content.decode()
    assert "How long do you prove?" in page and "About an hour." in page
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="group.thread")] == ["group.thread_started"]
    added = AuditEvent.objects.get(action="group.post_added")
    assert "About an hour." not in str(added.data)  # ids only, never the text
    first, second = thread.posts.order_by("pk")
    page = client_for(personas.second_learner).get(thread_url(thread)).content.decode()
    assert reverse("board_post_report", args=[first.pk]) in page  # any member reports another's post
    assert reverse("board_post_report", args=[second.pk]) not in page  # not their own


def test_non_members_cannot_post(personas, group):
    thread = start(group, personas.learner)
    with pytest.raises(ServiceError):
        reply(thread, personas.second_assessor)
    response = client_for(personas.moderator).post(thread_url(thread), {"body": "Hello"})
    assert response.status_code == 404
    assert thread.posts.count() == 1


def test_the_board_shows_pinned_first_then_newest_activity(personas, group):
    old = start(group, personas.learner, title="Old thread")
    pinned = start(group, personas.learner, title="House rules")
    newer = start(group, personas.learner, title="Newer thread")
    thread_pin(thread=pinned, actor=personas.assessor, pinned=True)
    reply(old, personas.second_learner)  # activity moves the old thread above the newer one
    order = [t.title for t in Thread.objects.filter(group=group)]
    assert order == ["House rules", "Old thread", "Newer thread"]
    board = client_for(personas.learner).get(reverse("group_board", args=[group.pk])).content.decode()
    assert board.index("House rules") < board.index("Old thread") < board.index(newer.title)


def test_only_staff_pin_and_lock(personas, group):
    thread = start(group, personas.learner)
    with pytest.raises(ServiceError):
        thread_pin(thread=thread, actor=personas.learner, pinned=True)
    assert client_for(personas.learner).post(reverse("group_thread_lock", args=[group.pk, thread.pk]),
                                             {"locked": "1"}).status_code == 403
    client_for(personas.admin).post(reverse("group_thread_lock", args=[group.pk, thread.pk]), {"locked": "1"})
    thread.refresh_from_db()
    assert thread.locked
    assert AuditEvent.objects.filter(action="group.thread_locked").count() == 1


def test_a_locked_thread_takes_no_replies_and_says_so(personas, group):
    thread = start(group, personas.learner)
    thread_lock(thread=thread, actor=personas.assessor, locked=True)
    thread.refresh_from_db()
    with pytest.raises(ServiceError, match="locked"):
        reply(thread, personas.second_learner)
    client = client_for(personas.second_learner)
    response = client.post(thread_url(thread), {"body": "Can I still?"}, follow=True)
    page = response.content.decode()
    assert "This thread is locked: it takes no more replies." in page and "Post the reply" not in page
    assert thread.posts.count() == 1
    thread_lock(thread=thread, actor=personas.assessor, locked=False)
    thread.refresh_from_db()
    reply(thread, personas.second_learner)


def test_the_author_edits_the_latest_post_within_ten_minutes_only(personas, group):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as traveller:
        thread = start(group, personas.learner)
        first = thread.posts.get()
        traveller.shift(datetime.timedelta(minutes=1))
        latest = reply(thread, personas.learner, body="And another thing")
        with pytest.raises(ServiceError, match="latest"):
            post_edit(post=first, actor=personas.learner, body="Changed")
        with pytest.raises(ServiceError):
            post_edit(post=latest, actor=personas.second_learner, body="Not mine")
        traveller.shift(datetime.timedelta(minutes=9))
        post_edit(post=latest, actor=personas.learner, body="Corrected at 9 minutes")
        page = client_for(personas.learner).get(thread_url(thread)).content.decode()
        assert reverse("group_post_edit", args=[group.pk, latest.pk]) in page
        assert reverse("group_post_edit", args=[group.pk, first.pk]) not in page
        traveller.shift(datetime.timedelta(minutes=2))  # 11 minutes after posting
        with pytest.raises(ServiceError, match="10 minutes"):
            post_edit(post=latest, actor=personas.learner, body="Too late")
        page = client_for(personas.learner).get(thread_url(thread)).content.decode()
        assert reverse("group_post_edit", args=[group.pk, latest.pk]) not in page
    latest.refresh_from_db()
    assert latest.body == "Corrected at 9 minutes" and latest.edited_at is not None


def test_removed_posts_leave_a_line_saying_who_removed_them(personas, group):
    thread = start(group, personas.learner)
    mine = reply(thread, personas.second_learner, body="Oops, wrong group")
    rude = reply(thread, personas.learner, body="Something unkind")
    post_delete(post=mine, actor=personas.second_learner)
    with pytest.raises(ServiceError):
        post_hide(post=rude, actor=personas.second_learner, reason="I do not like it")  # members may not hide
    post_hide(post=rude, actor=personas.assessor, reason="Unkind to a peer")
    member_page = client_for(personas.second_learner).get(thread_url(thread)).content.decode()
    assert "Removed by the author" in member_page and "Removed by a moderator" in member_page
    assert "Oops, wrong group" not in member_page and "Something unkind" not in member_page
    assert "Unkind to a peer" not in member_page  # the reason is for staff
    assert "Unkind to a peer" in client_for(personas.assessor).get(thread_url(thread)).content.decode()
    hidden = AuditEvent.objects.get(action="group.post_hidden")
    assert hidden.data == {"group": group.pk, "post": rude.pk, "author": personas.learner.pk}


def test_a_centre_admin_hides_a_post_in_any_group_of_the_centre(personas, group):
    post = start(group, personas.learner).posts.get()
    assert post_hide(post=post, actor=personas.admin, reason="Report upheld").removed == Post.Removal.MODERATOR
    with pytest.raises(ServiceError):
        post_hide(post=post, actor=personas.other_centre_assessor, reason="")


def test_a_reply_posted_twice_is_one_reply(personas, group):
    thread = start(group, personas.learner)
    client = client_for(personas.second_learner)
    data = {"body": "Only once", "post_token": "the-same-form"}
    first, second = client.post(thread_url(thread), data), client.post(thread_url(thread), data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert thread.posts.filter(body="Only once").count() == 1


def test_a_new_thread_posted_twice_is_one_thread(personas, group):
    client = client_for(personas.learner)
    data = {"title": "Once", "body": "Only once", "post_token": "the-same-thread-form"}
    url = reverse("group_thread_new", args=[group.pk])
    assert client.post(url, data).url == client.post(url, data).url
    assert Thread.objects.filter(title="Once").count() == 1


def test_posting_is_rate_limited(personas, group):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        thread = start(group, personas.learner)
        for i in range(9):  # the thread's first post counted too: ten a minute
            reply(thread, personas.learner, body=f"Reply {i}")
        with pytest.raises(ServiceError, match="wait a minute"):
            reply(thread, personas.learner, body="One too many")
        page = client_for(personas.learner).post(thread_url(thread), {"body": "Via the page"}).content.decode()
        assert "wait a minute" in page
    assert not thread.posts.filter(body__in=["One too many", "Via the page"]).exists()


def test_everything_is_escaped_line_breaks_kept_links_not_made(personas, group):
    thread = start(group, personas.learner, title="<b>Bold</b> title",
                   body='<script>alert(1)</script>\nSecond line\nhttps://example.org/x')
    page = client_for(personas.second_learner).get(thread_url(thread)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in page
    assert "&lt;/script&gt;<br>Second line<br>https://example.org/x" in page
    assert 'href="https://example.org/x"' not in page


def test_people_who_posted_in_a_thread_are_told_of_replies(personas, group):
    add(group, personas.assessor, personas.moderator)
    personas.assessor.email_daily_digest = True  # takes the digest: told in LEAP, not by email
    personas.assessor.save()
    thread = start(group, personas.learner)
    reply(thread, personas.assessor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        reply(thread, personas.second_learner, body="Me too")
    told = Notification.objects.filter(kind="group_reply")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([personas.learner.pk, personas.learner.pk,
                                                                     personas.assessor.pk])
    last = told.filter(user=personas.learner).order_by("-pk").first()
    assert "replied in “Proving dough”" in last.subject and last.url.startswith(thread_url(thread))
    assert last.send_email and not told.get(user=personas.assessor).send_email
    assert "Me too" not in str(last.data)  # the notice names the thread, not what was written
    assert not told.filter(user__in=[personas.second_learner, personas.moderator]).exists()


def test_staff_hide_a_post_from_the_page_with_a_reason_and_authors_remove_their_own(personas, group):
    thread = start(group, personas.learner)
    post = reply(thread, personas.second_learner, body="Spam spam")
    hide = reverse("group_post_hide", args=[group.pk, post.pk])
    assert client_for(personas.learner).get(hide).status_code == 403  # a learner reports, never hides
    staff = client_for(personas.assessor)
    assert "Spam spam" in staff.get(hide).content.decode()  # the confirmation quotes it
    assert staff.post(hide, {"reason": ""}).status_code == 200  # a reason is needed
    assert staff.post(hide, {"reason": "Spam"}).status_code == 302
    post.refresh_from_db()
    assert post.removed == Post.Removal.MODERATOR and post.body == "" and post.removal_reason == "Spam"
    first = thread.posts.order_by("pk").first()
    remove = reverse("group_post_delete", args=[group.pk, first.pk])
    assert client_for(personas.second_learner).post(remove).status_code == 403  # not theirs
    assert client_for(personas.learner).post(remove).status_code == 302
    first.refresh_from_db()
    assert first.removed == Post.Removal.AUTHOR
