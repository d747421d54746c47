"""Reads of cohort groups: who is in which group, the board, a thread. Query counts do not grow with the rows."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from centres.models import Centre, Membership, Role

from .models import CohortGroup, GroupMember, Post, Thread


def _current_at_centre(centre_field: str) -> Exists:
    """The member still belongs to the group's centre: a person who has left sees the group no more."""
    return Exists(Membership.objects.current().filter(user_id=OuterRef("user_id"), centre_id=OuterRef(centre_field)))


def current_members(*, group: CohortGroup) -> QuerySet[GroupMember]:
    """The group's members who still belong to its centre."""
    return GroupMember.objects.filter(group=group).filter(_current_at_centre("group__centre_id"))


def groups_of(*, user: User, centre: Centre, include_archived: bool = False) -> QuerySet[CohortGroup]:
    """The groups `user` is a member of at `centre` (archived ones only when asked for)."""
    mine = GroupMember.objects.filter(group=OuterRef("pk"), user=user)
    groups = CohortGroup.objects.filter(centre=centre).filter(Exists(mine))
    if not Membership.objects.current().filter(user=user, centre=centre).exists():
        return groups.none()
    return groups if include_archived else groups.filter(archived_at__isnull=True)


def is_member(*, group: CohortGroup, user: User) -> bool:
    return current_members(group=group).filter(user=user).exists()


def member_role(*, group: CohortGroup, user: User) -> str | None:
    """"learner", "staff" or None (not a member, or no longer of the centre)."""
    return current_members(group=group).filter(user=user).values_list("role", flat=True).first()


def group_staff(*, group: CohortGroup) -> QuerySet[User]:
    """The staff members of the group (who moderate its board and receive its reports)."""
    staff = current_members(group=group).filter(role=GroupMember.Role.STAFF, user=OuterRef("pk"))
    return User.objects.filter(Exists(staff)).order_by("pk")


def group_has_staff(*, group: CohortGroup) -> bool:
    return current_members(group=group).filter(role=GroupMember.Role.STAFF).exists()


def is_centre_admin(*, user: User, centre: Centre) -> bool:
    return Membership.objects.current().filter(user=user, centre=centre, role=Role.CENTRE_ADMIN).exists()


def visible_groups(*, user: User, centre: Centre, admin: bool) -> QuerySet[CohortGroup]:
    """The group list: a centre admin sees every group of the centre, anyone else the groups they are in.
    Each row carries its member and thread counts (two subqueries in the one query)."""
    groups = CohortGroup.objects.filter(centre=centre) if admin else groups_of(user=user, centre=centre,
                                                                                include_archived=True)
    return (groups.select_related("created_by")
            .annotate(member_count=_count_of(GroupMember), thread_count=_count_of(Thread),
                      is_member=Exists(GroupMember.objects.filter(group=OuterRef("pk"), user=user)))
            .order_by("archived_at", "name", "pk"))


def _count_of(model) -> Coalesce:
    """How many rows of `model` belong to each group: a subquery, so two counts do not multiply each other."""
    rows = model.objects.filter(group=OuterRef("pk")).order_by().values("group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def group_members(*, group: CohortGroup) -> QuerySet[GroupMember]:
    return (GroupMember.objects.filter(group=group).select_related("user")
            .order_by("-role", "user__first_name", "user__last_name", "user__email", "pk"))


def board_threads(*, group: CohortGroup) -> QuerySet[Thread]:
    """The board: pinned threads first, then newest activity first; each with its count of posts and author."""
    return (Thread.objects.filter(group=group).select_related("author")
            .annotate(post_count=Count("posts", filter=Q(posts__removed=""))).order_by("-pinned", "-last_activity_at",
                                                                                      "-pk"))


def thread_posts(*, thread: Thread) -> QuerySet[Post]:
    return (Post.objects.filter(thread=thread).select_related("author", "removed_by")
            .prefetch_related(Prefetch("attachments")).order_by("created_at", "pk"))


def latest_post_of(*, thread: Thread, author: User) -> Post | None:
    """The author's latest post in the thread, the only one they may still edit (within the window)."""
    return Post.objects.filter(thread=thread, author=author, removed="").order_by("-created_at", "-pk").first()


def centre_people(*, centre: Centre, group: CohortGroup, query: str = "") -> QuerySet[Membership]:
    """The centre's current learners and staff not yet in the group, matching `query` (name or email)."""
    people = (Membership.objects.current().filter(centre=centre)
              .exclude(role=Role.EXTERNAL_MODERATOR)
              .exclude(user__in=GroupMember.objects.filter(group=group).values("user"))
              .select_related("user").order_by("user__first_name", "user__last_name", "user__email", "role"))
    if query:
        people = people.filter(Q(user__first_name__icontains=query) | Q(user__last_name__icontains=query)
                               | Q(user__email__icontains=query))
    return people
