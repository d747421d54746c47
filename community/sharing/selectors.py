"""Reads of shared items, peer comments and reports. Who sees a comment:

- waiting for approval: its author and the item's owner;
- private to the owner: its author and the owner, whatever its state;
- approved: everyone who sees the item (the group's members, the centre's admins);
- removed: the line "Removed by ..." where the comment was seen before.

Nobody but the owner sees an item, or its comments, once it is no longer shared. Query counts do not grow with rows.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from badges.public.selectors import showcase_awards
from centres.models import Centre, Membership, Role
from community.groups.models import CohortGroup, GroupMember, Post
from community.groups.selectors import groups_of, is_member
from portfolios.models import Evidence

from .models import PeerComment, Report, SharedItem

PAGE_SIZE = 20


def _is_admin(user, centre_id: int) -> bool:
    return Membership.objects.current().filter(user=user, centre_id=centre_id, role=Role.CENTRE_ADMIN).exists()


def item_visible_to(*, item: SharedItem, user) -> bool:
    if item.owner_id == user.pk:
        return True
    if item.withdrawn_at is not None:
        return False
    return is_member(group=item.group, user=user) or _is_admin(user, item.group.centre_id)


def visible_comment_filter(*, item: SharedItem, user) -> Q:
    """The comments of `item` that `user` sees (with removed ones as their line), as a filter."""
    if item.owner_id == user.pk:
        return Q()
    return Q(author=user) | Q(private_to_owner=False, approved_at__isnull=False)


def comment_visible_to(*, comment: PeerComment, user) -> bool:
    item = comment.item
    if not item_visible_to(item=item, user=user):
        return False
    return PeerComment.objects.filter(visible_comment_filter(item=item, user=user), pk=comment.pk).exists()


def item_comments(*, item: SharedItem, user) -> QuerySet[PeerComment]:
    """The comments `user` sees on `item`, oldest first, each marked `reported_by_me`."""
    mine = Report.objects.filter(reporter=user, target_kind=Report.Kind.COMMENT, target_id=OuterRef("pk"))
    return (PeerComment.objects.filter(item=item).filter(visible_comment_filter(item=item, user=user))
            .select_related("author").annotate(reported_by_me=Exists(mine)).order_by("created_at", "pk"))


def shared_items_in(*, group: CohortGroup, user) -> list[SharedItem]:
    """The group's current shares, newest first, each with `comment_count`: its approved comments that are not
    private and not removed (what every member sees)."""
    return list(SharedItem.objects.filter(group=group, withdrawn_at__isnull=True)
                .select_related("owner", "evidence", "showcase")
                .annotate(comment_count=Count("comments", filter=Q(comments__status=PeerComment.Status.APPROVED,
                                                                   comments__private_to_owner=False)))
                .order_by("-shared_at", "-pk"))


def shares_of(*, owner, evidence: Evidence | None = None, showcase=None) -> list[SharedItem]:
    """Where the owner shares this evidence (or showcase) now."""
    items = SharedItem.objects.filter(owner=owner, withdrawn_at__isnull=True).select_related("group")
    items = items.filter(evidence=evidence) if evidence is not None else items.filter(showcase=showcase)
    return list(items.order_by("group__name", "pk"))


def share_choices(*, owner, centre: Centre, shared: list[SharedItem]) -> list[CohortGroup]:
    """The owner's groups at the centre where this is not shared yet."""
    taken = {item.group_id for item in shared}
    return [group for group in groups_of(user=owner, centre=centre).order_by("name", "pk") if group.pk not in taken]


def showcase_badges(item: SharedItem) -> list:
    return showcase_awards(item.showcase) if item.showcase_id else []


def evidence_files(item: SharedItem) -> list:
    """The evidence's processed files (photo locations removed): what the group may open."""
    if item.evidence_id is None:
        return []
    return list(item.evidence.files.filter(processed_at__isnull=False).order_by("pk"))


def included_peer_comments(*, evidence: Evidence) -> list[PeerComment]:
    """The approved peer comments the learner chose to show their assessor beside this evidence (never evidence)."""
    return list(PeerComment.objects.filter(item__evidence=evidence, item__owner_id=evidence.enrolment.learner_id,
                                           item__withdrawn_at__isnull=True, include_for_assessor=True,
                                           status=PeerComment.Status.APPROVED, private_to_owner=False)
                .select_related("author", "item__group").order_by("created_at", "pk"))


def moderated_groups(*, user, centre: Centre) -> QuerySet[CohortGroup]:
    """The groups whose reports `user` receives: all of the centre's for an admin, else those they staff."""
    groups = CohortGroup.objects.filter(centre=centre)
    if _is_admin(user, centre.pk):
        return groups
    staffs = GroupMember.objects.filter(group=OuterRef("pk"), user=user, role=GroupMember.Role.STAFF)
    return groups.filter(Exists(staffs))


def open_reports(*, user, centre: Centre) -> list[Report]:
    """Open reports of the groups `user` moderates, oldest first, each with its `target` (comment or post) and
    `report_count`: the open reports of the same target. Four queries whatever the number of reports."""
    reports = list(Report.objects.filter(centre=centre, status=Report.Status.OPEN,
                                         group__in=moderated_groups(user=user, centre=centre))
                   .select_related("group", "reporter").order_by("created_at", "pk"))
    comment_ids = {r.target_id for r in reports if r.target_kind == Report.Kind.COMMENT}
    post_ids = {r.target_id for r in reports if r.target_kind == Report.Kind.POST}
    comments = ({c.pk: c for c in PeerComment.objects.filter(pk__in=comment_ids).select_related("author", "item")}
                if comment_ids else {})
    posts = ({p.pk: p for p in Post.objects.filter(pk__in=post_ids).select_related("author", "thread")}
             if post_ids else {})
    counts: dict[tuple[str, int], int] = {}
    for report in reports:
        counts[(report.target_kind, report.target_id)] = counts.get((report.target_kind, report.target_id), 0) + 1
    for report in reports:
        source = comments if report.target_kind == Report.Kind.COMMENT else posts
        report.target = source.get(report.target_id)
        report.report_count = counts[(report.target_kind, report.target_id)]
    return reports


def reported_by(*, user, target_kind: str, ids) -> set[int]:
    """Which of these comments or posts `user` has reported (the board shows "Reported" on them)."""
    return set(Report.objects.filter(reporter=user, target_kind=target_kind, target_id__in=list(ids))
               .values_list("target_id", flat=True))


def get_group_post(*, pk: int, user, centre: Centre) -> Post | None:
    """A board post of one of the user's groups at the centre, not removed; None otherwise."""
    post = Post.objects.filter(pk=pk, thread__group__centre=centre, removed="").select_related("thread__group").first()
    if post is None or not is_member(group=post.thread.group, user=user):
        return None
    return post
