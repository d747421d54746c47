"""Sharing with a group, peer comments and their moderation, reports. Audit data: ids and codes, never text."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from badges.models import Showcase
from centres.models import Role
from centres.services import ServiceError, has_role
from community.groups.models import CohortGroup, Post
from community.groups.selectors import group_has_staff, group_staff, groups_of, is_member
from notifications.services import notify
from portfolios.models import Evidence

from .age import is_under_18
from .limits import check_rate
from .models import PeerComment, Report, SharedItem, SharingSettings

# An author may correct their latest comment on an item for this long after posting it.
EDIT_WINDOW = timedelta(minutes=10)
SHAREABLE = (Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED)


class SharingError(ServiceError):
    """A sharing, comment or report act refused; the message is shown to the person."""


def _under_18_refusal(*, user, group: CohortGroup) -> None:
    if is_under_18(user=user, centre=group.centre) and not group_has_staff(group=group):
        raise SharingError(_("You can share only with groups that have a member of staff in them."))


def public_sharing_refusal(*, user, centre_ids) -> str | None:
    """Why this learner may not make anything public (badges asks before switching public sharing on)."""
    from centres.models import Centre

    for centre in Centre.objects.filter(pk__in=centre_ids):
        if is_under_18(user=user, centre=centre):
            return _("Learners under 18 cannot share publicly. You can share with a group that has staff in it.")
    return None


# --- Sharing -------------------------------------------------------------------------------------------------

def item_share(*, actor, group: CohortGroup, evidence: Evidence | None = None, showcase: Showcase | None = None,
               comments_need_approval: bool = True) -> SharedItem:
    """The learner shares their own submitted or accepted evidence, or their showcase, with one of their groups.
    Sharing the same thing with the same group again returns the share there is."""
    if (evidence is None) == (showcase is None):
        raise ValueError("share evidence or a showcase")
    if not groups_of(user=actor, centre=group.centre).filter(pk=group.pk).exists():
        raise PermissionDenied
    if evidence is not None:
        if evidence.enrolment.learner_id != actor.pk or evidence.enrolment.centre_id != group.centre_id:
            raise PermissionDenied
        if evidence.status not in SHAREABLE:
            raise SharingError(_("Only submitted or accepted evidence can be shared: submit it first."))
    if showcase is not None and showcase.user_id != actor.pk:
        raise PermissionDenied
    _under_18_refusal(user=actor, group=group)
    with transaction.atomic():
        existing = SharedItem.objects.filter(group=group, evidence=evidence, showcase=showcase,
                                             withdrawn_at__isnull=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                item = SharedItem.objects.create(owner=actor, group=group, evidence=evidence, showcase=showcase,
                                                 comments_need_approval=comments_need_approval,
                                                 shared_at=timezone.now())
        except IntegrityError:  # the same form posted twice at once
            return SharedItem.objects.get(group=group, evidence=evidence, showcase=showcase,
                                          withdrawn_at__isnull=True)
        audit_record(action="sharing.shared", actor=actor, centre=group.centre, target=item,
                     subject=evidence.enrolment if evidence else actor,
                     data={"item": item.pk, "group": group.pk, "evidence": evidence.pk if evidence else None,
                           "showcase": showcase.pk if showcase else None,
                           "comments_need_approval": comments_need_approval})
    return item


def item_unshare(*, actor, item: SharedItem) -> SharedItem:
    """The owner stops sharing: the group no longer sees the item or its comments."""
    if actor.pk != item.owner_id:
        raise PermissionDenied
    with transaction.atomic():
        item = SharedItem.objects.select_for_update().select_related("group__centre").get(pk=item.pk)
        if item.withdrawn_at is None:
            item.withdrawn_at = timezone.now()
            item.save(update_fields=["withdrawn_at"])
            audit_record(action="sharing.unshared", actor=actor, centre=item.group.centre, target=item,
                         data={"item": item.pk, "group": item.group_id})
    return item


# --- Peer comments -------------------------------------------------------------------------------------------

def _may_comment(*, actor, item: SharedItem) -> None:
    if item.withdrawn_at is not None or item.group.archived_at is not None:
        raise SharingError(_("This is no longer shared with the group: comments are closed."))
    if not is_member(group=item.group, user=actor):
        raise PermissionDenied


def comment_post(*, actor, item: SharedItem, text: str, private_to_owner: bool = False,
                 token: str = "") -> PeerComment:
    """A group member comments. Waits for the owner's approval when the item asks for it (the owner's own and
    private comments do not wait: nobody else sees a private one). The same form posted twice makes one comment."""
    _may_comment(actor=actor, item=item)
    text = text.strip()
    if not text:
        raise SharingError(_("Write a comment first."))
    if token:
        earlier = PeerComment.objects.filter(author=actor, comment_token=token).first()
        if earlier is not None:
            return earlier
    check_rate(user=actor, action="comment")
    own = actor.pk == item.owner_id
    waits = item.comments_need_approval and not own and not private_to_owner
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                comment = PeerComment.objects.create(
                    item=item, author=actor, text=text, private_to_owner=private_to_owner and not own,
                    status=PeerComment.Status.PENDING if waits else PeerComment.Status.APPROVED,
                    approved_at=None if waits else now, created_at=now, comment_token=token)
        except IntegrityError:
            return PeerComment.objects.get(author=actor, comment_token=token)
        audit_record(action="sharing.comment_posted", actor=actor, centre=item.group.centre, target=comment,
                     data={"comment": comment.pk, "item": item.pk, "status": comment.status,
                           "private": comment.private_to_owner})
        if waits:
            notify(recipient=item.owner, kind="peer_comment_pending", url=item.get_absolute_url(),
                   centre=item.group.centre, essential=False,
                   context={"owner_name": item.owner.first_name, "author_name": actor.display_name,
                            "group_name": item.group.name})
    return comment


def latest_comment_of(*, item: SharedItem, author) -> PeerComment | None:
    return (PeerComment.objects.filter(item=item, author=author).exclude(status=PeerComment.Status.REMOVED)
            .order_by("-created_at", "-pk").first())


def may_edit(*, comment: PeerComment, actor, latest: PeerComment | None) -> bool:
    return (comment.author_id == actor.pk and latest is not None and latest.pk == comment.pk
            and not comment.is_removed and timezone.now() - comment.created_at <= EDIT_WINDOW)


def comment_edit(*, actor, comment: PeerComment, text: str) -> PeerComment:
    """The author corrects their latest comment on the item, within 10 minutes of posting it. An approved comment
    that needs approval goes back to the owner."""
    item = comment.item
    _may_comment(actor=actor, item=item)
    if comment.author_id != actor.pk:
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise SharingError(_("Write a comment first."))
    with transaction.atomic():
        comment = PeerComment.objects.select_for_update().get(pk=comment.pk)
        if not may_edit(comment=comment, actor=actor, latest=latest_comment_of(item=item, author=actor)):
            raise SharingError(_("You can change only your latest comment here, within 10 minutes of posting it."))
        if comment.text == text:
            return comment
        comment.text, comment.edited_at = text, timezone.now()
        fields = ["text", "edited_at"]
        if (item.comments_need_approval and comment.author_id != item.owner_id and not comment.private_to_owner
                and comment.status == PeerComment.Status.APPROVED):
            comment.status, comment.approved_at, comment.include_for_assessor = PeerComment.Status.PENDING, None, False
            fields += ["status", "approved_at", "include_for_assessor"]
        comment.save(update_fields=fields)
        audit_record(action="sharing.comment_edited", actor=actor, centre=item.group.centre, target=comment,
                     data={"comment": comment.pk, "item": item.pk, "status": comment.status})
    return comment


def comment_approve(*, actor, comment: PeerComment) -> PeerComment:
    """The owner lets the group see a comment waiting for approval; its author is told."""
    item = comment.item
    if actor.pk != item.owner_id:
        raise PermissionDenied
    with transaction.atomic():
        comment = PeerComment.objects.select_for_update().select_related("author").get(pk=comment.pk)
        if comment.status != PeerComment.Status.PENDING:
            return comment  # approved already (posted twice) or removed: nothing changes
        comment.status, comment.approved_at = PeerComment.Status.APPROVED, timezone.now()
        comment.save(update_fields=["status", "approved_at"])
        audit_record(action="sharing.comment_approved", actor=actor, centre=item.group.centre, target=comment,
                     data={"comment": comment.pk, "item": item.pk})
        notify(recipient=comment.author, kind="peer_comment_approved", url=item.get_absolute_url(),
               centre=item.group.centre, essential=False,
               context={"author_name": comment.author.first_name, "owner_name": item.owner.display_name,
                        "group_name": item.group.name})
    return comment


def may_moderate(*, actor, group: CohortGroup) -> bool:
    """The group's staff and the centre's admins moderate its comments and posts and receive its reports."""
    return (has_role(actor, group.centre, Role.CENTRE_ADMIN)
            or group_staff(group=group).filter(pk=actor.pk).exists())


def _remove(*, comment: PeerComment, actor, role: str) -> PeerComment:
    comment.status, comment.removed_by_role = PeerComment.Status.REMOVED, role
    comment.removed_by, comment.removed_at, comment.include_for_assessor = actor, timezone.now(), False
    comment.save(update_fields=["status", "removed_by_role", "removed_by", "removed_at", "include_for_assessor"])
    audit_record(action="sharing.comment_removed", actor=actor, centre=comment.item.group.centre, target=comment,
                 data={"comment": comment.pk, "item": comment.item_id, "by": role})
    return comment


def comment_remove(*, actor, comment: PeerComment) -> PeerComment:
    """The author or the item's owner removes a comment; the line "Removed by the author/owner" stays."""
    item = comment.item
    if actor.pk == comment.author_id:
        role = PeerComment.RemovedBy.AUTHOR
    elif actor.pk == item.owner_id:
        role = PeerComment.RemovedBy.OWNER
    else:
        raise PermissionDenied
    with transaction.atomic():
        comment = PeerComment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_removed:
            return comment
        comment.item = item
        return _remove(comment=comment, actor=actor, role=role)


def comment_set_included(*, actor, comment: PeerComment, included: bool) -> PeerComment:
    """The owner shows (or stops showing) an approved comment on their evidence to the assessor, as a peer
    comment: never as evidence, and never a private one."""
    item = comment.item
    if actor.pk != item.owner_id:
        raise PermissionDenied
    with transaction.atomic():
        comment = PeerComment.objects.select_for_update().get(pk=comment.pk)
        if included and (item.evidence_id is None or comment.status != PeerComment.Status.APPROVED
                         or comment.private_to_owner or item.withdrawn_at is not None):
            raise SharingError(_("Only an approved comment on shared evidence can be shown to your assessor."))
        if comment.include_for_assessor != included:
            comment.include_for_assessor = included
            comment.save(update_fields=["include_for_assessor"])
            audit_record(action="sharing.comment_included" if included else "sharing.comment_excluded",
                         actor=actor, centre=item.group.centre, target=comment,
                         subject=item.evidence.enrolment if item.evidence_id else None,
                         data={"comment": comment.pk, "item": item.pk, "evidence": item.evidence_id})
    return comment


# --- Reports -------------------------------------------------------------------------------------------------

def _target_group(*, kind: str, target) -> CohortGroup:
    return target.item.group if kind == Report.Kind.COMMENT else target.thread.group


def report_make(*, actor, kind: str, target, reason: str, detail: str = "") -> Report:
    """A member reports a comment they can see, or a post on their group's board. Told in-app: the group's staff
    and the centre's admins. Reporting the same thing again while it is open changes nothing."""
    from .selectors import comment_visible_to

    group = _target_group(kind=kind, target=target)
    if not is_member(group=group, user=actor):
        raise PermissionDenied
    if kind == Report.Kind.COMMENT and not comment_visible_to(comment=target, user=actor):
        raise PermissionDenied
    if kind == Report.Kind.POST and target.removed:
        raise SharingError(_("This post has been removed already."))
    if reason not in Report.Reason.values:
        raise SharingError(_("Choose a reason."))
    existing = Report.objects.filter(reporter=actor, target_kind=kind, target_id=target.pk,
                                     status=Report.Status.OPEN).first()
    if existing is not None:
        return existing
    check_rate(user=actor, action="report")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(centre=group.centre, group=group, reporter=actor, target_kind=kind,
                                               target_id=target.pk, reason=reason, detail=detail.strip()[:500],
                                               created_at=timezone.now())
        except IntegrityError:
            return Report.objects.get(reporter=actor, target_kind=kind, target_id=target.pk,
                                      status=Report.Status.OPEN)
        audit_record(action="sharing.reported", actor=actor, centre=group.centre, target=report,
                     data={"report": report.pk, "kind": kind, "target": target.pk, "group": group.pk,
                           "reason": reason})
        for person in moderators_of(group=group):
            if person.pk != actor.pk:
                notify(recipient=person, kind="community_report", url=reverse("sharing_reports"),
                       centre=group.centre, email=False,
                       context={"group_name": group.name, "kind": kind})
    return report


def moderators_of(*, group: CohortGroup) -> list:
    """The group's staff and the centre's current admins: who is told of its reports."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from centres.models import Membership

    admins = Membership.objects.current().filter(centre=group.centre, role=Role.CENTRE_ADMIN).values("user_id")
    staff = group_staff(group=group).values("pk")
    return list(get_user_model().objects.filter(Q(pk__in=admins) | Q(pk__in=staff)).order_by("pk"))


def report_target(report: Report):
    if report.target_kind == Report.Kind.COMMENT:
        return PeerComment.objects.select_related("item__group__centre", "author").filter(pk=report.target_id).first()
    return Post.objects.select_related("thread__group__centre", "author").filter(pk=report.target_id).first()


def report_decide(*, actor, report: Report, hide: bool, reason: str = "") -> Report:
    """Staff of the group or a centre admin hides the reported comment (removed by a moderator) or post (the
    board's own hiding), or dismisses the report. Every open report of the same target is closed with it."""
    group = report.group
    if not may_moderate(actor=actor, group=group):
        raise PermissionDenied
    target = report_target(report)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != Report.Status.OPEN:
            return report  # decided already (posted twice, or by someone else)
        if hide and target is not None:
            if report.target_kind == Report.Kind.COMMENT:
                if not target.is_removed:
                    _remove(comment=target, actor=actor, role=PeerComment.RemovedBy.MODERATOR)
            elif not target.removed:
                from community.groups.services import post_hide

                post_hide(post=target, actor=actor, reason=reason or _("Hidden after a report"))
        status = Report.Status.HIDDEN if hide else Report.Status.DISMISSED
        closed = list(Report.objects.filter(target_kind=report.target_kind, target_id=report.target_id,
                                            status=Report.Status.OPEN).values_list("pk", flat=True))
        Report.objects.filter(pk__in=closed).update(status=status, decided_by=actor, decided_at=timezone.now())
        audit_record(action="sharing.report_hidden" if hide else "sharing.report_dismissed", actor=actor,
                     centre=group.centre, target=report,
                     data={"reports": sorted(closed), "kind": report.target_kind, "target": report.target_id})
    report.refresh_from_db()
    return report


# --- The centre's choice -------------------------------------------------------------------------------------

def sharing_settings_set(*, actor, centre, treat_learners_as_under_18: bool) -> SharingSettings:
    if not has_role(actor, centre, Role.CENTRE_ADMIN):
        raise PermissionDenied
    with transaction.atomic():
        settings, _created = SharingSettings.objects.select_for_update().get_or_create(centre=centre)
        if settings.treat_learners_as_under_18 != treat_learners_as_under_18:
            settings.treat_learners_as_under_18 = treat_learners_as_under_18
            settings.save(update_fields=["treat_learners_as_under_18"])
            audit_record(action="sharing.settings_changed", actor=actor, centre=centre, target=settings,
                         data={"treat_learners_as_under_18": treat_learners_as_under_18})
    return settings
