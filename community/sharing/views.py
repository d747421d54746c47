"""Shared items and their peer comments, reports and their moderation, the centre's under-18 setting.

Every object is looked up within the current centre and the person's view of it: anything else is 404.
"""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted, signed_in
from badges.models import Showcase
from centres.access import role_required
from centres.models import STAFF_ROLES, Role
from centres.services import ServiceError
from community.groups.selectors import groups_of, is_member
from portfolios.evidence.views import INLINE_KINDS, stored_file_response
from portfolios.models import Evidence

from . import selectors, services
from .forms import CommentEditForm, CommentForm, ReportDecisionForm, ReportForm, ShareForm, SharingSettingsForm
from .limits import RateLimited
from .models import PeerComment, Report, SharedItem, SharingSettings

# --- Object helpers: 404 unless the person may see it ------------------------------------------------------


def get_item_for(request: HttpRequest, pk: int) -> SharedItem:
    centre = request.leap.centre
    if centre is None:
        raise Http404
    item = (SharedItem.objects.select_related("owner", "group__centre", "evidence__enrolment", "showcase")
            .filter(pk=pk, group__centre=centre).first())
    if item is None or not selectors.item_visible_to(item=item, user=request.user):
        raise Http404
    return item


def get_comment_for(request: HttpRequest, pk: int) -> PeerComment:
    comment = PeerComment.objects.select_related("author").filter(pk=pk).first()
    if comment is None:
        raise Http404
    item = get_item_for(request, comment.item_id)
    comment.item = item
    if not selectors.comment_visible_to(comment=comment, user=request.user):
        raise Http404
    return comment


def _refused(request: HttpRequest, error: ServiceError, to) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(to)


# --- Sharing -----------------------------------------------------------------------------------------------

def _share(request: HttpRequest, *, back: str, evidence=None, showcase=None, centre) -> HttpResponse:
    groups = list(groups_of(user=request.user, centre=centre))
    form = ShareForm(request.POST, groups=groups)
    if not form.is_valid():
        messages.error(request, _("Choose one of your groups to share with."))
        return redirect(back)
    try:
        item = services.item_share(actor=request.user, group=form.cleaned_data["group"], evidence=evidence,
                                   showcase=showcase,
                                   comments_need_approval=form.cleaned_data["comments_need_approval"])
    except ServiceError as error:
        return _refused(request, error, back)
    messages.success(request, _("Shared with %(group)s.") % {"group": item.group.name})
    return redirect(item)


@signed_in
@require_POST
def share_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = (Evidence.objects.select_related("enrolment").filter(pk=pk, enrolment__learner=request.user,
                                                                    enrolment__centre=request.leap.centre).first())
    if evidence is None:
        raise Http404
    return _share(request, back=evidence_url(evidence), evidence=evidence, centre=evidence.enrolment.centre)


def evidence_url(evidence: Evidence) -> str:
    return reverse("evidence_detail", args=[evidence.pk])


@role_required(Role.LEARNER)
@require_POST
def share_showcase(request: HttpRequest) -> HttpResponse:
    showcase, _created = Showcase.objects.get_or_create(user=request.user)
    return _share(request, back="showcase_settings", showcase=showcase, centre=request.leap.centre)


@signed_in
@require_POST
def unshare(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for(request, pk)
    if item.owner_id != request.user.pk:
        raise PermissionDenied
    services.item_unshare(actor=request.user, item=item)
    messages.success(request, _("No longer shared with %(group)s: the group sees it and its comments no more.")
                     % {"group": item.group.name})
    return redirect(item)


@signed_in
def shared_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for(request, pk)
    return _item_page(request, item, CommentForm(initial={"token": secrets.token_urlsafe(24)}))


def _item_page(request: HttpRequest, item: SharedItem, form, status: int = 200) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.item_comments(item=item, user=user), selectors.PAGE_SIZE).get_page(
        request.GET.get("page"))
    latest = services.latest_comment_of(item=item, author=user)
    own = item.owner_id == user.pk
    member = own or is_member(group=item.group, user=user)
    rows = [{"comment": c, "may_edit": services.may_edit(comment=c, actor=user, latest=latest),
             "may_remove": not c.is_removed and (c.author_id == user.pk or own),
             "may_report": c.status == PeerComment.Status.APPROVED and member and c.author_id != user.pk}
            for c in page]
    response = render(request, "community/sharing/item.html", {
        "item": item, "own": own, "page": page, "rows": rows,
        "form": form if (member and not item.is_withdrawn and not item.group.is_archived) else None,
        "files": selectors.evidence_files(item), "badges": selectors.showcase_badges(item),
    })
    response.status_code = status
    return response


@signed_in
def shared_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of shared evidence, for those who see the item; only once processed (a photo's location removed)."""
    item = get_item_for(request, pk)
    attached = next((f for f in selectors.evidence_files(item) if f.pk == file_pk), None)
    if attached is None:
        raise Http404
    thumbnail = request.GET.get("size") == "thumb" and bool(attached.thumbnail)
    return stored_file_response(attached.thumbnail if thumbnail else attached.file,
                                content_type="image/jpeg" if thumbnail else attached.content_type,
                                filename=attached.original_name, inline=thumbnail or attached.kind in INLINE_KINDS,
                                range_header=request.headers.get("Range", ""))


# --- Comments ----------------------------------------------------------------------------------------------

@signed_in
@require_POST
def comment_new(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _item_page(request, item, form, status=400)
    try:
        comment = services.comment_post(actor=request.user, item=item, text=form.cleaned_data["text"],
                                        private_to_owner=form.cleaned_data["private_to_owner"],
                                        token=form.cleaned_data["token"])
    except ServiceError as error:
        form.add_error(None, str(error))
        return _item_page(request, item, form, status=429 if isinstance(error, RateLimited) else 400)
    if comment.status == PeerComment.Status.PENDING:
        messages.success(request, _("Sent. It is waiting for approval: until then only you and the owner see it."))
    else:
        messages.success(request, _("Your comment is posted."))
    return redirect(f"{item.get_absolute_url()}#comment-{comment.pk}")


@signed_in
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_comment_for(request, pk)
    if comment.author_id != request.user.pk:
        raise Http404
    form = CommentEditForm(posted(request), initial={"text": comment.text})
    if form.is_valid():
        try:
            services.comment_edit(actor=request.user, comment=comment, text=form.cleaned_data["text"])
        except ServiceError as error:
            return _refused(request, error, comment.item)
        messages.success(request, _("Your comment is changed."))
        return redirect(f"{comment.item.get_absolute_url()}#comment-{comment.pk}")
    return render(request, "community/sharing/comment_edit.html", {"comment": comment, "form": form})


@signed_in
@require_POST
def comment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_comment_for(request, pk)
    if comment.item.owner_id != request.user.pk:
        raise PermissionDenied
    services.comment_approve(actor=request.user, comment=comment)
    messages.success(request, _("Approved: the group sees it now."))
    return redirect(f"{comment.item.get_absolute_url()}#comment-{comment.pk}")


@signed_in
@require_POST
def comment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_comment_for(request, pk)
    services.comment_remove(actor=request.user, comment=comment)
    messages.success(request, _("The comment is removed."))
    return redirect(comment.item)


@signed_in
@require_POST
def comment_include(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_comment_for(request, pk)
    included = request.POST.get("include") == "1"
    try:
        services.comment_set_included(actor=request.user, comment=comment, included=included)
    except ServiceError as error:
        return _refused(request, error, comment.item)
    messages.success(request, _("Your assessor will see this comment beside your evidence, marked as a peer "
                                "comment.") if included else _("Your assessor will not see this comment."))
    return redirect(f"{comment.item.get_absolute_url()}#comment-{comment.pk}")


# --- Reports -----------------------------------------------------------------------------------------------

def _report(request: HttpRequest, *, kind: str, target, back: str, preview) -> HttpResponse:
    form = ReportForm(posted(request))
    if form.is_valid():
        try:
            services.report_make(actor=request.user, kind=kind, target=target, reason=form.cleaned_data["reason"],
                                 detail=form.cleaned_data["detail"])
        except ServiceError as error:
            return _refused(request, error, back)
        messages.success(request, _("Reported. The group's staff will look at it."))
        return redirect(back)
    return render(request, "community/sharing/report_form.html", {"form": form, "back": back, "kind": kind,
                                                                   "preview": preview})


@signed_in
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_comment_for(request, pk)
    if comment.is_removed or comment.author_id == request.user.pk:
        raise Http404
    if not is_member(group=comment.item.group, user=request.user):
        raise Http404
    return _report(request, kind=Report.Kind.COMMENT, target=comment, preview=comment.text,
                   back=f"{comment.item.get_absolute_url()}#comment-{comment.pk}")


@signed_in
def report_post(request: HttpRequest, pk: int) -> HttpResponse:
    centre = request.leap.centre
    post = selectors.get_group_post(pk=pk, user=request.user, centre=centre) if centre else None
    if post is None or post.author_id == request.user.pk:
        raise Http404
    try:
        back = reverse("group_thread", args=[post.thread.group_id, post.thread_id]) + f"#post-{post.pk}"
    except NoReverseMatch:
        back = reverse("shared_reports_sent")
    return _report(request, kind=Report.Kind.POST, target=post, preview=post.body, back=back)


@role_required(*STAFF_ROLES)
def reports(request: HttpRequest) -> HttpResponse:
    rows = selectors.open_reports(user=request.user, centre=request.leap.centre)
    return render(request, "community/sharing/reports.html", {"reports": rows, "form": ReportDecisionForm()})


@signed_in
def reports_sent(request: HttpRequest) -> HttpResponse:
    """What the person has reported, and what came of it."""
    centre = request.leap.centre
    rows = list(Report.objects.filter(reporter=request.user, centre=centre).select_related("group")
                .order_by("-created_at", "-pk")[:100]) if centre else []
    return render(request, "community/sharing/reports_sent.html", {"reports": rows})


@role_required(*STAFF_ROLES)
@require_POST
def report_decide(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("group__centre"), pk=pk, centre=request.leap.centre,
                               group__in=selectors.moderated_groups(user=request.user, centre=request.leap.centre))
    form = ReportDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to hide it or to dismiss the report."))
        return redirect("sharing_reports")
    hide = form.cleaned_data["decision"] == "hide"
    if report.status != Report.Status.OPEN:
        messages.info(request, _("This report was dealt with already."))
        return redirect("sharing_reports")
    services.report_decide(actor=request.user, report=report, hide=hide)
    messages.success(request, _("Hidden.") if hide else _("Report dismissed."))
    return redirect("sharing_reports")


# --- The centre's setting ----------------------------------------------------------------------------------

@role_required(Role.CENTRE_ADMIN)
def sharing_settings(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    current = SharingSettings.objects.filter(centre=centre).first()
    form = SharingSettingsForm(posted(request), initial={
        "treat_learners_as_under_18": bool(current and current.treat_learners_as_under_18)})
    if form.is_valid():
        services.sharing_settings_set(actor=request.user, centre=centre,
                                      treat_learners_as_under_18=form.cleaned_data["treat_learners_as_under_18"])
        messages.success(request, _("Saved."))
        return redirect("sharing_settings")
    return render(request, "community/sharing/settings.html", {"form": form})

