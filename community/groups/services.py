"""Every change to a cohort group and its board: one function per act, checked, audited, side effects on commit.

Who may do what:
- create a group: a centre admin or an assessor of the centre (the creator becomes one of its staff);
- manage a group (rename, members, archive): a centre admin of its centre, or an assessor who created it or is
  one of its staff;
- post: any member while the group is not archived and the thread not locked;
- pin, lock, hide a post: the group's staff and the centre's admins.
"""

import io
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role
from centres.services import ServiceError
from notifications.services import notify
from portfolios.evidence.files import HEIF_CONTENT_TYPES, check_upload, heif_as_jpeg, sha256_of, strip_image_location
from portfolios.models import Enrolment

from . import selectors
from .models import EDIT_WINDOW, CohortGroup, GroupMember, Post, PostAttachment, Thread

MAX_ATTACHMENTS = 5


class GroupError(ServiceError):
    pass


def _rate(user: User) -> None:
    from community.sharing.limits import check_rate

    check_rate(user=user, action="post")


# --- who may ----------------------------------------------------------------------------------------------------

def may_create(*, user: User, centre: Centre) -> bool:
    return Membership.objects.current().filter(user=user, centre=centre,
                                               role__in=[Role.CENTRE_ADMIN, Role.ASSESSOR]).exists()


def may_manage(*, group: CohortGroup, user: User) -> bool:
    roles = set(Membership.objects.current().filter(user=user, centre_id=group.centre_id)
                .values_list("role", flat=True))
    if Role.CENTRE_ADMIN in roles:
        return True
    if Role.ASSESSOR not in roles:
        return False
    return group.created_by_id == user.pk or selectors.member_role(group=group, user=user) == GroupMember.Role.STAFF


def may_moderate(*, group: CohortGroup, user: User) -> bool:
    """Staff of the group, or a centre admin of its centre: pin, lock, hide."""
    return (selectors.member_role(group=group, user=user) == GroupMember.Role.STAFF
            or selectors.is_centre_admin(user=user, centre=group.centre))


def _ensure(allowed: bool) -> None:
    if not allowed:
        raise GroupError(_("You cannot do this in this group."))


def _ensure_open(group: CohortGroup) -> None:
    if group.is_archived:
        raise GroupError(_("This group is archived: it can be read but not changed."))


def _audit(action: str, *, actor: User, group: CohortGroup, target=None, **data) -> None:
    audit_record(action=action, actor=actor, centre=group.centre, target=target or group,
                 data={"group": group.pk, **data})


# --- groups and members -----------------------------------------------------------------------------------------

def group_create(*, centre: Centre, actor: User, name: str, description: str = "",
                 creation_token: str = "") -> CohortGroup:
    """A new group with its creator as staff. The same form posted twice (same token) gives the same group."""
    _ensure(may_create(user=actor, centre=centre))
    if creation_token:
        made = CohortGroup.objects.filter(centre=centre, creation_token=creation_token).first()
        if made is not None:
            return made
    try:
        with transaction.atomic():
            group = CohortGroup.objects.create(centre=centre, name=name.strip(), description=description.strip(),
                                               created_by=actor, creation_token=creation_token)
            GroupMember.objects.create(group=group, user=actor, role=GroupMember.Role.STAFF, added_by=actor)
            _audit("group.created", actor=actor, group=group)
    except IntegrityError:
        return CohortGroup.objects.get(centre=centre, creation_token=creation_token)
    return group


def group_update(*, group: CohortGroup, actor: User, name: str, description: str) -> CohortGroup:
    _ensure(may_manage(group=group, user=actor))
    _ensure_open(group)
    with transaction.atomic():
        group.name, group.description = name.strip(), description.strip()
        group.save(update_fields=["name", "description"])
        _audit("group.updated", actor=actor, group=group)
    return group


def _role_in_group(membership: Membership) -> str:
    return GroupMember.Role.LEARNER if membership.role == Role.LEARNER else GroupMember.Role.STAFF


def group_members_add(*, group: CohortGroup, actor: User, memberships: Iterable[Membership]) -> list[GroupMember]:
    """Add people by their centre membership (a learner's joins as a learner, any staff role as staff).
    Someone already in the group is left as they are; people of another centre are refused."""
    _ensure(may_manage(group=group, user=actor))
    _ensure_open(group)
    wanted: dict[int, str] = {}
    for membership in memberships:
        if membership.centre_id != group.centre_id or not membership.is_current \
                or membership.role == Role.EXTERNAL_MODERATOR:
            raise GroupError(_("Only current learners and staff of this centre can join its groups."))
        if wanted.get(membership.user_id) != GroupMember.Role.STAFF:
            wanted[membership.user_id] = _role_in_group(membership)
    with transaction.atomic():
        have = set(GroupMember.objects.filter(group=group, user_id__in=wanted).values_list("user_id", flat=True))
        added = GroupMember.objects.bulk_create(
            [GroupMember(group=group, user_id=user_id, role=role, added_by=actor)
             for user_id, role in wanted.items() if user_id not in have])
        if added:
            _audit("group.members_added", actor=actor, group=group,
                   users=sorted(m.user_id for m in added))
    return added


def cohort_memberships(*, group: CohortGroup, qualification_id: int, year: int, month: int) -> list[Membership]:
    """The learner memberships of everyone enrolled on the qualification (any version) starting in that month,
    whose enrolment is not withdrawn."""
    learners = (Enrolment.objects.filter(centre_id=group.centre_id, version__qualification_id=qualification_id,
                                         start_date__year=year, start_date__month=month)
                .exclude(status=Enrolment.Status.WITHDRAWN).values("learner_id"))
    return list(Membership.objects.current().filter(centre_id=group.centre_id, role=Role.LEARNER,
                                                    user_id__in=learners))


def group_member_remove(*, member: GroupMember, actor: User) -> None:
    group = member.group
    _ensure(may_manage(group=group, user=actor))
    _ensure_open(group)
    with transaction.atomic():
        _audit("group.member_removed", actor=actor, group=group, user=member.user_id, role=member.role)
        member.delete()


def group_archive(*, group: CohortGroup, actor: User, archived: bool = True) -> CohortGroup:
    """Archive (read-only from then on) or bring back a group."""
    _ensure(may_manage(group=group, user=actor))
    if group.is_archived == archived:
        return group
    with transaction.atomic():
        group.archived_at = timezone.now() if archived else None
        group.save(update_fields=["archived_at"])
        _audit("group.archived" if archived else "group.unarchived", actor=actor, group=group)
    return group


# --- the board --------------------------------------------------------------------------------------------------

def _ensure_may_post(group: CohortGroup, actor: User) -> None:
    _ensure(selectors.is_member(group=group, user=actor))
    _ensure_open(group)


def _checked_files(files: list) -> list:
    """Each upload checked by content as evidence files are; a refused one raises FileRefused, storing nothing."""
    if len(files) > MAX_ATTACHMENTS:
        raise GroupError(ngettext("Attach at most %(count)d file to a post.",
                                  "Attach at most %(count)d files to a post.", MAX_ATTACHMENTS)
                         % {"count": MAX_ATTACHMENTS})
    return [(upload, check_upload(upload, upload.name, upload.size)) for upload in files]


def _attach(post: Post, checked: list) -> None:
    for upload, found in checked:
        upload.seek(0)
        data, location_removed = upload.read(), False
        content_type, extension, name = found.content_type, found.extension, found.clean_name
        if found.kind == "image":
            stripped = heif_as_jpeg(io.BytesIO(data)) if content_type in HEIF_CONTENT_TYPES \
                else strip_image_location(io.BytesIO(data), content_type)
            if stripped is not None:
                location_removed = True
                data = stripped
                if content_type in HEIF_CONTENT_TYPES:
                    content_type, extension = "image/jpeg", ".jpg"
                    name = name.rsplit(".", 1)[0] + ".jpg"
        attachment = PostAttachment(post=post, original_name=name, extension=extension, kind=found.kind,
                                    content_type=content_type, size=len(data), sha256=sha256_of(io.BytesIO(data)),
                                    location_removed=location_removed)
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()


def _existing(actor: User, post_token: str) -> Post | None:
    return Post.objects.filter(author=actor, post_token=post_token).select_related("thread").first() \
        if post_token else None


def thread_start(*, group: CohortGroup, actor: User, title: str, body: str, files: list | None = None,
                 post_token: str = "") -> Thread:
    """A new thread with its first post. Posted twice (same token): the thread made the first time."""
    _ensure_may_post(group, actor)
    if (made := _existing(actor, post_token)) is not None:
        return made.thread
    checked = _checked_files(files or [])
    _rate(actor)
    try:
        with transaction.atomic():
            now = timezone.now()
            thread = Thread.objects.create(group=group, title=title.strip(), author=actor, last_activity_at=now)
            post = Post.objects.create(thread=thread, author=actor, body=body.strip(), post_token=post_token)
            _attach(post, checked)
            _audit("group.thread_started", actor=actor, group=group, target=thread, thread=thread.pk, post=post.pk,
                   files=[a.sha256 for a in post.attachments.all()])
    except IntegrityError:
        return _existing(actor, post_token).thread
    return thread


def post_reply(*, thread: Thread, actor: User, body: str, files: list | None = None, post_token: str = "") -> Post:
    """A reply; everyone else who posted in the thread is told. Posted twice (same token): one reply."""
    group = thread.group
    _ensure_may_post(group, actor)
    if (made := _existing(actor, post_token)) is not None:
        return made
    if thread.locked:
        raise GroupError(_("This thread is locked: it takes no more replies."))
    checked = _checked_files(files or [])
    _rate(actor)
    try:
        with transaction.atomic():
            post = Post.objects.create(thread=thread, author=actor, body=body.strip(), post_token=post_token)
            _attach(post, checked)
            Thread.objects.filter(pk=thread.pk).update(last_activity_at=post.created_at)
            _audit("group.post_added", actor=actor, group=group, target=post, thread=thread.pk, post=post.pk,
                   files=[a.sha256 for a in post.attachments.all()])
            _notify_thread(thread=thread, post=post, actor=actor)
    except IntegrityError:
        return _existing(actor, post_token)
    return post


def _notify_thread(*, thread: Thread, post: Post, actor: User) -> None:
    """Tell each member who has posted in the thread (but not the replier) of the reply: in-app at once, by
    email unless they take the daily digest or have turned updates off."""
    posters = (Post.objects.filter(thread=thread).exclude(author=actor).values_list("author_id", flat=True)
               .distinct())
    members = selectors.current_members(group=thread.group).filter(user_id__in=posters).select_related("user")
    url = reverse("group_thread", kwargs={"pk": thread.group_id, "thread_pk": thread.pk}) + f"#post-{post.pk}"
    for member in members:
        notify(recipient=member.user, kind="group_reply", url=url, centre=thread.group.centre,
               essential=False, digestible=True,
               context={"group": thread.group.name, "thread": thread.title, "author": actor.display_name})


def _ensure_editable(post: Post, actor: User) -> None:
    if post.author_id != actor.pk or post.is_removed:
        raise GroupError(_("You can change only your own posts."))
    _ensure_may_post(post.thread.group, actor)
    if post.thread.locked:
        raise GroupError(_("This thread is locked: its posts can no longer change."))


def post_edit(*, post: Post, actor: User, body: str) -> Post:
    """The author corrects their latest post in the thread, within ten minutes of posting it."""
    _ensure_editable(post, actor)
    latest = selectors.latest_post_of(thread=post.thread, author=actor)
    if latest is None or latest.pk != post.pk:
        raise GroupError(_("Only your latest post in a thread can be edited."))
    if timezone.now() - post.created_at > EDIT_WINDOW:
        minutes = EDIT_WINDOW.seconds // 60
        raise GroupError(ngettext("Posts can be edited for %(minutes)d minute after posting; this one no longer can.",
                                  "Posts can be edited for %(minutes)d minutes after posting; this one no longer can.",
                                  minutes) % {"minutes": minutes})
    with transaction.atomic():
        post.body, post.edited_at = body.strip(), timezone.now()
        post.save(update_fields=["body", "edited_at"])
        _audit("group.post_edited", actor=actor, group=post.thread.group, target=post, post=post.pk)
    return post


def may_edit(*, post: Post, user: User, latest_id: int | None) -> bool:
    """For the page: the edit link shows on the user's latest post while the window is open."""
    return (post.author_id == user.pk and post.pk == latest_id and not post.is_removed
            and timezone.now() - post.created_at <= EDIT_WINDOW)


def _remove(post: Post, actor: User, how: str, reason: str = "") -> Post:
    post.removed, post.removed_at, post.removed_by = how, timezone.now(), actor
    post.removal_reason, post.body = reason, ""
    post.save(update_fields=["removed", "removed_at", "removed_by", "removal_reason", "body"])
    attachments = list(post.attachments.all())
    stored = [a.file.name for a in attachments]
    storage = PostAttachment._meta.get_field("file").storage
    PostAttachment.objects.filter(post=post).delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    return post


def post_delete(*, post: Post, actor: User) -> Post:
    """The author removes their post: it leaves a "removed by the author" line; text and files go."""
    _ensure_editable(post, actor)
    with transaction.atomic():
        _audit("group.post_deleted", actor=actor, group=post.thread.group, target=post, post=post.pk,
               files=[a.sha256 for a in post.attachments.all()])
        return _remove(post, actor, Post.Removal.AUTHOR)


def post_hide(*, post: Post, actor: User, reason: str) -> Post:
    """Staff of the group or a centre admin hides a post (a report's outcome, or on their own): it leaves a
    "removed by a moderator" line. The reason is kept on the post for staff, not in the audit trail."""
    group = post.thread.group
    _ensure(may_moderate(group=group, user=actor))
    if post.removed == Post.Removal.MODERATOR:
        return post
    with transaction.atomic():
        _audit("group.post_hidden", actor=actor, group=group, target=post, post=post.pk, author=post.author_id)
        return _remove(post, actor, Post.Removal.MODERATOR, reason.strip()[:300])


def thread_pin(*, thread: Thread, actor: User, pinned: bool) -> Thread:
    _ensure(may_moderate(group=thread.group, user=actor))
    _ensure_open(thread.group)
    if thread.pinned != pinned:
        with transaction.atomic():
            thread.pinned = pinned
            thread.save(update_fields=["pinned"])
            _audit("group.thread_pinned" if pinned else "group.thread_unpinned", actor=actor, group=thread.group,
                   target=thread, thread=thread.pk)
    return thread


def thread_lock(*, thread: Thread, actor: User, locked: bool) -> Thread:
    _ensure(may_moderate(group=thread.group, user=actor))
    _ensure_open(thread.group)
    if thread.locked != locked:
        with transaction.atomic():
            thread.locked = locked
            thread.save(update_fields=["locked"])
            _audit("group.thread_locked" if locked else "group.thread_unlocked", actor=actor, group=thread.group,
                   target=thread, thread=thread.pk)
    return thread

