"""Reports of comments and board posts: to the group's staff and the centre's admins, who hide or dismiss."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from community.groups.models import Post
from community.sharing.models import PeerComment, Report
from community.sharing.services import comment_approve, report_decide, report_make
from notifications.models import Notification
from tests.community.groups.helpers import start
from tests.conftest import client_for

from .conftest import comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(personas, item):
    made = comment(item, personas.second_learner, text="Your loaf looks burnt, loser")
    return comment_approve(actor=personas.learner, comment=made)


def test_a_member_reports_a_comment_and_staff_and_admins_are_told(personas, item, approved, third):
    client = client_for(third)
    response = client.post(reverse("peer_comment_report", args=[approved.pk]), {"reason": "unkind"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.target_kind, report.target_id, report.reporter) == ("comment", approved.pk, third)
    told = set(Notification.objects.filter(kind="community_report").values_list("user_id", flat=True))
    assert told == {personas.assessor.pk, personas.admin.pk}
    assert b"Reported" in client.get(item.get_absolute_url()).content
    client.post(reverse("peer_comment_report", args=[approved.pk]), {"reason": "unkind"})  # twice: one report
    assert Report.objects.count() == 1
    event = AuditEvent.objects.get(action="sharing.reported")
    assert "loser" not in str(event.data)


def test_staff_hide_a_reported_comment_from_the_reports_page(personas, item, approved, third,
                                                            django_assert_max_num_queries):
    report_make(actor=third, kind="comment", target=approved, reason="unkind")
    report_make(actor=personas.learner, kind="comment", target=approved, reason="unkind")
    staff = client_for(personas.assessor)
    page = staff.get(reverse("sharing_reports"))
    assert b"loser" in page.content and b"2 reports" in page.content
    report = Report.objects.filter(reporter=third).get()
    assert staff.post(reverse("sharing_report_decide", args=[report.pk]), {"decision": "hide"}).status_code == 302
    approved.refresh_from_db()
    assert approved.status == PeerComment.Status.REMOVED and approved.removed_by_role == "moderator"
    assert set(Report.objects.values_list("status", flat=True)) == {"hidden"}
    assert AuditEvent.objects.filter(action="sharing.report_hidden").count() == 1
    assert b"Removed by a moderator" in client_for(third).get(item.get_absolute_url()).content
    assert b"No open reports" in staff.get(reverse("sharing_reports")).content


def test_dismissing_leaves_the_comment(personas, approved, third):
    report = report_make(actor=third, kind="comment", target=approved, reason="spam")
    report_decide(actor=personas.admin, report=report, hide=False)
    approved.refresh_from_db()
    report.refresh_from_db()
    assert approved.status == PeerComment.Status.APPROVED and report.status == "dismissed"


def test_a_learner_cannot_decide_a_report(personas, approved, third):
    report = report_make(actor=third, kind="comment", target=approved, reason="spam")
    with pytest.raises(PermissionDenied):
        report_decide(actor=personas.second_learner, report=report, hide=True)
    assert client_for(third).get(reverse("sharing_reports")).status_code == 403
    other = client_for(personas.other_centre_assessor)
    assert other.post(reverse("sharing_report_decide", args=[report.pk]), {"decision": "hide"}).status_code == 404
    assert client_for(personas.second_assessor).post(  # staff of the centre but not of the group
        reverse("sharing_report_decide", args=[report.pk]), {"decision": "hide"}).status_code == 404


def test_a_pending_comment_cannot_be_reported_by_someone_who_cannot_see_it(personas, item, third):
    pending = comment(item, personas.second_learner)
    with pytest.raises(PermissionDenied):
        report_make(actor=third, kind="comment", target=pending, reason="unkind")
    assert client_for(third).get(reverse("peer_comment_report", args=[pending.pk])).status_code == 404


def test_a_board_post_is_reported_and_hidden_by_the_groups_own_hiding(personas, group, third):
    thread = start(group, personas.second_learner, body="Rude words here")
    post = thread.posts.get()
    client = client_for(third)
    assert client.get(reverse("board_post_report", args=[post.pk])).status_code == 200
    assert client.post(reverse("board_post_report", args=[post.pk]), {"reason": "inappropriate"}).status_code == 302
    report = Report.objects.get(target_kind="post")
    client_for(personas.admin).post(reverse("sharing_report_decide", args=[report.pk]), {"decision": "hide"})
    post.refresh_from_db()
    assert post.removed == Post.Removal.MODERATOR
    assert AuditEvent.objects.filter(action="group.post_hidden").count() == 1
    assert client_for(personas.outsider).get(reverse("board_post_report", args=[post.pk])).status_code == 404


def test_the_reports_page_has_a_fixed_number_of_queries(personas, group, item, approved, third,
                                                       django_assert_num_queries):
    """Session, user, memberships, admin check, the reports, their comments, their posts, and the navigation."""
    client = client_for(personas.admin)
    report_make(actor=third, kind="comment", target=approved, reason="unkind")

    def post_report(n):
        post = start(group, personas.second_learner, title=f"T{n}", body=f"B{n}").posts.get()
        report_make(actor=third, kind="post", target=post, reason="spam")

    post_report(0)
    client.get(reverse("sharing_reports"))
    few = _queries(client)
    for n in range(1, 6):
        post_report(n)
    client.get(reverse("sharing_reports"))  # warm again after the writes, like the first measurement
    with django_assert_num_queries(few):
        response = client.get(reverse("sharing_reports"))
    assert response.content.count(b"report-row") == 7


def _queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("sharing_reports"))
    return len(ctx.captured_queries)


def test_reporting_is_rate_limited(personas, item, third, settings):
    from django.core.cache import cache

    from community.sharing import limits

    for n in range(11):
        made = comment(item, personas.second_learner, text=f"c{n}")
        comment_approve(actor=personas.learner, comment=made)
        if n == 9:
            cache.clear()  # the author's own comment limit
    reported = 0
    for made in PeerComment.objects.order_by("pk"):
        response = client_for(third).post(reverse("peer_comment_report", args=[made.pk]), {"reason": "spam"},
                                          follow=True)
        if b"very quickly" in response.content:
            break
        reported += 1
    assert reported == limits.LIMITS["report"][0][1]


def test_the_thread_page_part_says_report_or_reported(personas, group, third, rf):
    from django.template import Context, Template

    thread_part = Template('{% load peer_sharing %}{% reported_post_ids posts as reported_ids %}'
                           '{% include "community/sharing/post_report.html" %}')
    post = start(group, personas.second_learner, body="Rude words here").posts.get()
    request = rf.get("/")
    request.user = third

    def part() -> str:
        return thread_part.render(Context({"post": post, "posts": [post], "request": request}))

    assert reverse("board_post_report", args=[post.pk]) in part()
    report_make(actor=third, kind="post", target=post, reason="spam")
    assert "Reported" in part() and reverse("board_post_report", args=[post.pk]) not in part()
