"""Who sees a peer comment in each state, approval, removal lines, the edit window, including one for the assessor."""

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from centres.services import ServiceError
from community.sharing import selectors
from community.sharing.models import PeerComment, SharedItem
from community.sharing.services import (
    comment_approve,
    comment_edit,
    comment_remove,
    comment_set_included,
    item_share,
    item_unshare,
    report_decide,
    report_make,
)
from notifications.models import Notification
from tests.conftest import client_for

from .conftest import comment

pytestmark = pytest.mark.django_db


def seen_by(item, user) -> list[int]:
    return [c.pk for c in selectors.item_comments(item=item, user=user)]


def test_a_pending_comment_is_seen_by_its_author_and_the_owner_only(personas, item, third):
    pending = comment(item, personas.second_learner)
    assert pending.status == PeerComment.Status.PENDING
    assert seen_by(item, personas.second_learner) == [pending.pk]
    assert seen_by(item, personas.learner) == [pending.pk]
    assert seen_by(item, third) == []
    assert seen_by(item, personas.assessor) == []  # staff of the group too
    page = client_for(third).get(item.get_absolute_url())
    assert page.status_code == 200 and b"Lovely crust!" not in page.content
    mine = client_for(personas.second_learner).get(item.get_absolute_url())
    assert b"Lovely crust!" in mine.content and b"Waiting for approval" in mine.content


def test_the_owner_is_told_and_approving_shows_it_to_every_member_and_tells_the_author(personas, item, third):
    pending = comment(item, personas.second_learner)
    assert Notification.objects.filter(user=personas.learner, kind="peer_comment_pending").count() == 1
    response = client_for(personas.learner).post(reverse("peer_comment_approve", args=[pending.pk]))
    assert response.status_code == 302
    assert seen_by(item, third) == [pending.pk]
    assert seen_by(item, personas.assessor) == [pending.pk]
    assert Notification.objects.filter(user=personas.second_learner, kind="peer_comment_approved").count() == 1
    comment_approve(actor=personas.learner, comment=pending)  # twice: nothing more
    assert Notification.objects.filter(kind="peer_comment_approved").count() == 1


def test_only_the_owner_approves(personas, item):
    pending = comment(item, personas.second_learner)
    with pytest.raises(PermissionDenied):
        comment_approve(actor=personas.assessor, comment=pending)
    response = client_for(personas.second_learner).post(reverse("peer_comment_approve", args=[pending.pk]))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == PeerComment.Status.PENDING


def test_without_approval_a_comment_is_seen_at_once(personas, group, evidence, third):
    item = item_share(actor=personas.learner, group=group, evidence=evidence, comments_need_approval=False)
    posted = comment(item, personas.second_learner)
    assert posted.status == PeerComment.Status.APPROVED
    assert seen_by(item, third) == [posted.pk]


def test_a_private_comment_is_seen_by_the_owner_and_its_author_only_ever(personas, group, evidence, third):
    item = item_share(actor=personas.learner, group=group, evidence=evidence, comments_need_approval=False)
    private = comment(item, personas.second_learner, text="Between us: salt it more", private_to_owner=True)
    assert seen_by(item, personas.learner) == [private.pk]
    assert seen_by(item, personas.second_learner) == [private.pk]
    assert seen_by(item, third) == [] and seen_by(item, personas.assessor) == []
    with pytest.raises(ServiceError):  # never to the assessor either
        comment_set_included(actor=personas.learner, comment=private, included=True)


@pytest.mark.parametrize(("who", "line"), [("author", "Removed by the author"), ("owner", "Removed by the owner"),
                                           ("moderator", "Removed by a moderator")])
def test_a_removed_comment_leaves_a_line_saying_who_removed_it(personas, item, third, who, line):
    posted = comment(item, personas.second_learner)
    comment_approve(actor=personas.learner, comment=posted)
    if who == "moderator":
        report = report_make(actor=third, kind="comment", target=posted, reason="unkind")
        report_decide(actor=personas.assessor, report=report, hide=True)
    else:
        comment_remove(actor=personas.second_learner if who == "author" else personas.learner, comment=posted)
    posted.refresh_from_db()
    assert posted.status == PeerComment.Status.REMOVED and posted.removed_by_role == who
    page = client_for(third).get(item.get_absolute_url())
    assert line.encode() in page.content and b"Lovely crust!" not in page.content


def test_nobody_else_removes_a_comment(personas, item, third):
    posted = comment(item, personas.second_learner)
    comment_approve(actor=personas.learner, comment=posted)
    with pytest.raises(PermissionDenied):
        comment_remove(actor=third, comment=posted)


def test_the_author_edits_only_their_latest_comment_within_ten_minutes(personas, group, evidence, third):
    item = item_share(actor=personas.learner, group=group, evidence=evidence, comments_need_approval=False)
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as traveller:
        first = comment(item, personas.second_learner, text="First")
        traveller.shift(60)
        latest = comment(item, personas.second_learner, text="Second")
        with pytest.raises(ServiceError, match="latest comment"):
            comment_edit(actor=personas.second_learner, comment=first, text="First, changed")
        traveller.shift(8 * 60)
        comment_edit(actor=personas.second_learner, comment=latest, text="Second, changed")
        latest.refresh_from_db()
        assert latest.text == "Second, changed" and latest.edited_at is not None
        traveller.shift(2 * 60)  # 10 min 0 s after posting: still allowed
        comment_edit(actor=personas.second_learner, comment=latest, text="Second, again")
        traveller.shift(1)
        with pytest.raises(ServiceError, match="10 minutes"):
            comment_edit(actor=personas.second_learner, comment=latest, text="Too late")
        response = client_for(personas.second_learner).post(reverse("peer_comment_edit", args=[latest.pk]),
                                                            {"text": "Too late"})
        assert response.status_code == 302
    latest.refresh_from_db()
    assert latest.text == "Second, again"
    with pytest.raises(PermissionDenied):
        comment_edit(actor=third, comment=latest, text="Not mine")


def test_an_edited_approved_comment_goes_back_to_the_owner(personas, item, third):
    posted = comment(item, personas.second_learner)
    comment_approve(actor=personas.learner, comment=posted)
    comment_edit(actor=personas.second_learner, comment=posted, text="Changed after approval")
    posted.refresh_from_db()
    assert posted.status == PeerComment.Status.PENDING
    assert seen_by(item, third) == []


def test_unsharing_hides_the_item_and_its_comments_from_the_group(personas, item, third):
    posted = comment(item, personas.second_learner)
    comment_approve(actor=personas.learner, comment=posted)
    response = client_for(personas.learner).post(reverse("shared_item_unshare", args=[item.pk]))
    assert response.status_code == 302
    assert client_for(third).get(item.get_absolute_url()).status_code == 404
    assert client_for(personas.second_learner).get(item.get_absolute_url()).status_code == 404
    assert client_for(personas.learner).get(item.get_absolute_url()).status_code == 200
    item.refresh_from_db()
    with pytest.raises(ServiceError):
        comment(item, third, text="After the end")
    item_unshare(actor=personas.learner, item=item)  # twice: nothing changes


def test_only_submitted_or_accepted_own_evidence_is_shared(personas, group, evidence, third):
    from portfolios.models import Evidence

    Evidence.objects.filter(pk=evidence.pk).update(status=Evidence.Status.DRAFT)
    evidence.refresh_from_db()
    with pytest.raises(ServiceError, match="submitted or accepted"):
        item_share(actor=personas.learner, group=group, evidence=evidence)
    Evidence.objects.filter(pk=evidence.pk).update(status=Evidence.Status.ACCEPTED)
    evidence.refresh_from_db()
    with pytest.raises(PermissionDenied):
        item_share(actor=personas.second_learner, group=group, evidence=evidence)
    assert item_share(actor=personas.learner, group=group, evidence=evidence).pk


def test_sharing_from_the_evidence_page_and_twice_makes_one_share(personas, group, evidence, third):
    client = client_for(personas.learner)
    page = client.get(reverse("evidence_detail", args=[evidence.pk]))
    assert b"Share with my group" in page.content and group.name.encode() in page.content
    url = reverse("share_evidence", args=[evidence.pk])
    data = {"group": group.pk, "comments_need_approval": "on"}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert SharedItem.objects.filter(evidence=evidence).count() == 1
    group_page = client_for(third).get(reverse("group_detail", args=[group.pk]))
    if b"Shared with the group" in group_page.content:  # the group page includes the shared items
        assert b"Sourdough loaf" in group_page.content


def test_comments_are_absent_from_the_review_unless_the_learner_includes_one(personas, item):
    posted = comment(item, personas.second_learner, text="Great shaping of the loaf")
    comment_approve(actor=personas.learner, comment=posted)
    submission = item.evidence.submissions.order_by("-number").first()
    review = client_for(personas.assessor)
    url = reverse("review_detail", args=[submission.pk])
    assert b"Great shaping of the loaf" not in review.get(url).content
    response = client_for(personas.learner).post(reverse("peer_comment_include", args=[posted.pk]), {"include": "1"})
    assert response.status_code == 302
    page = review.get(url).content
    assert b"Great shaping of the loaf" in page and b"Peer comment" in page and b"not evidence" in page
    with pytest.raises(PermissionDenied):
        comment_set_included(actor=personas.second_learner, comment=posted, included=False)
    comment_set_included(actor=personas.learner, comment=posted, included=False)
    assert b"Great shaping of the loaf" not in review.get(url).content


def test_a_pending_comment_cannot_be_included(personas, item):
    pending = comment(item, personas.second_learner)
    with pytest.raises(ServiceError):
        comment_set_included(actor=personas.learner, comment=pending, included=True)


def test_the_same_comment_form_posted_twice_makes_one_comment(personas, item):
    client = client_for(personas.second_learner)
    data = {"text": "Nice", "token": "tok-1"}
    url = reverse("peer_comment_new", args=[item.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302
    assert PeerComment.objects.filter(item=item).count() == 1


def test_the_shared_item_page_has_a_fixed_number_of_queries(personas, item, third, django_assert_num_queries):
    """The item, membership, comment count, latest own comment, membership, the comments, the files and so on,
    with the person, memberships and navigation counts read from the request cache: 7 for one comment or a full
    page of them."""
    client = client_for(third)
    url = item.get_absolute_url()
    for n in range(26):  # more than a page (the rate limit counts in the cache)
        cache.clear()
        made = comment_approve(actor=personas.learner, comment=comment(item, personas.assessor,
                                                                       text=f"Staff comment {n}"))
        if n == 0:
            client.get(url)
            with django_assert_num_queries(7):
                assert b"Staff comment 0" in client.get(url).content
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert b"Page 1 of 2" in response.content and made.pk


def test_non_members_and_other_centres_get_404(personas, item, evidence):
    posted = comment(item, personas.second_learner)
    comment_approve(actor=personas.learner, comment=posted)
    for person in (personas.second_assessor, personas.other_centre_assessor, personas.other_centre_learner,
                   personas.outsider):
        client = client_for(person)
        assert client.get(item.get_absolute_url()).status_code == 404, person
        assert client.post(reverse("peer_comment_new", args=[item.pk]), {"text": "Hi"}).status_code == 404
        assert client.get(reverse("peer_comment_report", args=[posted.pk])).status_code == 404
        assert client.post(reverse("share_evidence", args=[evidence.pk]), {"group": item.group_id}).status_code == 404
    assert PeerComment.objects.count() == 1
    assert client_for(personas.admin).get(item.get_absolute_url()).status_code == 200  # the centre's moderator


def test_commenting_too_fast_gets_a_clear_message_and_posts_nothing(personas, group, evidence, third):
    item = item_share(actor=personas.learner, group=group, evidence=evidence, comments_need_approval=False)
    client = client_for(third)
    url = reverse("peer_comment_new", args=[item.pk])
    for n in range(10):
        assert client.post(url, {"text": f"c{n}", "token": f"t{n}"}).status_code == 302
    response = client.post(url, {"text": "one more", "token": "t10"})
    assert response.status_code == 429 and b"Please wait a minute" in response.content
    assert PeerComment.objects.filter(item=item).count() == 10


def test_the_showcase_is_shared_with_the_group_and_shows_its_badges(personas, group, third):
    from badges.awards.services import award_set_sharing
    from tests.badges.test_ob3 import hand_award

    award = hand_award(personas)
    award_set_sharing(award=award, actor=personas.learner, show_name_publicly=False, in_showcase=True)
    client = client_for(personas.learner)
    assert b"Share with my group" in client.get(reverse("showcase_settings")).content
    response = client.post(reverse("share_showcase"), {"group": group.pk, "comments_need_approval": "on"})
    item = SharedItem.objects.get(showcase__user=personas.learner)
    assert response.url == item.get_absolute_url()
    page = client_for(third).get(item.get_absolute_url()).content
    assert b"Knife skills" in page
    assert not item.showcase.enabled  # shared with the group, not public
