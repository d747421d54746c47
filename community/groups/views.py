"""Cohort group pages: the list, a group, its members, its board, a thread, and post attachments.

Only members (and the centre's admins, and the assessor who made it) know a group exists: to anyone else, another
centre's people included, every URL of it answers 404. A member who may not do something answers 403.
"""

import math
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.access import posted
from centres.access import role_required
from centres.models import Membership, Role
from centres.services import ServiceError
from portfolios.evidence.files import FileRefused
from portfolios.evidence.files.formats import INLINE_KINDS
from portfolios.evidence.views import stored_file_response

from . import selectors, services
from .forms import AddMembersForm, CohortForm, GroupForm, HideForm, MemberSearchForm, PostEditForm, PostForm, ThreadForm
from .models import CohortGroup, GroupMember, Post, PostAttachment, Thread

MEMBERS = (Role.LEARNER, Role.ASSESSOR, Role.MODERATOR, Role.CENTRE_ADMIN)
MAKERS = (Role.ASSESSOR, Role.CENTRE_ADMIN)
THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 25
SHARED_TEMPLATE = "community/sharing/group_shared.html"


# --- Access -------------------------------------------------------------------------------------------------------

@dataclass
class Seat:
    """A group as the person sees it, with what they may do in it."""

    group: CohortGroup
    role: str | None  # "learner", "staff" or None (a centre admin, or its creator, who is not a member)
    manage: bool
    moderate: bool

    @property
    def may_post(self) -> bool:
        return self.role is not None and not self.group.is_archived


def get_group_for(request: HttpRequest, pk: int) -> Seat:
    group = CohortGroup.objects.filter(pk=pk, centre=request.leap.centre).select_related("centre").first()
    if group is None:
        raise Http404
    role = selectors.member_role(group=group, user=request.user)
    admin = request.leap.has(Role.CENTRE_ADMIN)
    creator = group.created_by_id == request.user.pk and request.leap.has(Role.ASSESSOR)
    if role is None and not (admin or creator):
        raise Http404
    staff = role == GroupMember.Role.STAFF
    return Seat(group=group, role=role, manage=admin or (request.leap.has(Role.ASSESSOR) and (creator or staff)),
                moderate=admin or staff)


def get_thread_for(request: HttpRequest, pk: int, thread_pk: int) -> tuple[Seat, Thread]:
    seat = get_group_for(request, pk)
    thread = Thread.objects.filter(pk=thread_pk, group=seat.group).select_related("author").first()
    if thread is None:
        raise Http404
    thread.group = seat.group
    return seat, thread


def get_post_for(request: HttpRequest, pk: int, post_pk: int) -> tuple[Seat, Post]:
    seat = get_group_for(request, pk)
    post = Post.objects.filter(pk=post_pk, thread__group=seat.group).select_related("thread", "author").first()
    if post is None:
        raise Http404
    post.thread.group = seat.group
    return seat, post


def _manager(request: HttpRequest, pk: int) -> Seat:
    seat = get_group_for(request, pk)
    if not seat.manage:
        raise PermissionDenied
    return seat


def _refused(request: HttpRequest, error: Exception, to: str) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(to)


# --- Groups -------------------------------------------------------------------------------------------------------

@role_required(*MEMBERS)
@require_safe
def group_list(request: HttpRequest) -> HttpResponse:
    leap = request.leap
    groups = selectors.visible_groups(user=request.user, centre=leap.centre, admin=leap.has(Role.CENTRE_ADMIN))
    return render(request, "community/groups/group_list.html", {
        "page": Paginator(groups, 25).get_page(request.GET.get("page")), "may_create": leap.has(*MAKERS)})


@role_required(*MAKERS)
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupForm(posted(request), initial={"creation_token": secrets.token_urlsafe(24)})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(centre=request.leap.centre, actor=request.user,
                                          name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                                          creation_token=form.cleaned_data["creation_token"])
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Group “%(name)s” made. Now add its members.") % {"name": group.name})
            return redirect("group_members", pk=group.pk)
    return render(request, "community/groups/group_form.html", {"form": form})


@role_required(*MEMBERS)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    seat = _manager(request, pk)
    form = GroupForm(posted(request), instance=seat.group)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group=seat.group, actor=request.user, name=form.cleaned_data["name"],
                                  description=form.cleaned_data["description"])
        except ServiceError as error:
            return _refused(request, error, reverse("group_detail", args=[pk]))
        messages.success(request, _("Saved."))
        return redirect("group_detail", pk=pk)
    return render(request, "community/groups/group_form.html", {"form": form, "group": seat.group})


def _has_shared_template() -> bool:
    try:
        get_template(SHARED_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


@role_required(*MEMBERS)
@require_safe
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_group_for(request, pk)
    return render(request, "community/groups/group_detail.html", {
        "seat": seat, "group": seat.group, "members": selectors.group_members(group=seat.group),
        "threads": selectors.board_threads(group=seat.group)[:5], "has_shared": _has_shared_template()})


@role_required(*MEMBERS)
@require_POST
def group_archive(request: HttpRequest, pk: int) -> HttpResponse:
    seat = _manager(request, pk)
    archived = request.POST.get("archived") != "0"
    services.group_archive(group=seat.group, actor=request.user, archived=archived)
    messages.success(request, _("Archived: the group can be read but not changed.") if archived
                     else _("The group is open again."))
    return redirect("group_detail", pk=pk)


# --- Members ------------------------------------------------------------------------------------------------------

def _candidate_label(membership: Membership) -> str:
    return f"{membership.user.display_name} — {membership.get_role_display()}"


@role_required(*MEMBERS)
def group_members(request: HttpRequest, pk: int) -> HttpResponse:
    seat = _manager(request, pk)
    search = MemberSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    candidates = list(selectors.centre_people(centre=seat.group.centre, group=seat.group, query=query)[:50])
    form = AddMembersForm(posted(request), choices=[(str(m.pk), _candidate_label(m)) for m in candidates])
    if request.method == "POST" and form.is_valid():
        chosen = [m for m in candidates if str(m.pk) in form.cleaned_data["memberships"]]
        try:
            added = services.group_members_add(group=seat.group, actor=request.user, memberships=chosen)
        except ServiceError as error:
            return _refused(request, error, request.get_full_path())
        messages.success(request, ngettext("%(count)d person added.", "%(count)d people added.", len(added))
                         % {"count": len(added)})
        return redirect(request.get_full_path())
    return render(request, "community/groups/group_members.html", {
        "seat": seat, "group": seat.group, "members": selectors.group_members(group=seat.group), "search": search,
        "q": query, "form": form, "candidates": candidates, "cohort_form": CohortForm(centre=seat.group.centre)})


@role_required(*MEMBERS)
@require_POST
def group_members_cohort(request: HttpRequest, pk: int) -> HttpResponse:
    seat = _manager(request, pk)
    form = CohortForm(request.POST, centre=seat.group.centre)
    if not form.is_valid():
        messages.error(request, _("Choose a qualification and a month."))
        return redirect("group_members", pk=pk)
    month = form.cleaned_data["month"]
    cohort = services.cohort_memberships(group=seat.group, qualification_id=form.cleaned_data["qualification"].pk,
                                         year=month.year, month=month.month)
    try:
        added = services.group_members_add(group=seat.group, actor=request.user, memberships=cohort)
    except ServiceError as error:
        return _refused(request, error, reverse("group_members", args=[pk]))
    found = ngettext("%(count)d learner on that cohort", "%(count)d learners on that cohort", len(cohort)) % {
        "count": len(cohort)}
    messages.success(request, ngettext("%(found)s: %(count)d added (anyone else was already a member).",
                                       "%(found)s: %(count)d added (anyone else was already a member).", len(added))
                     % {"found": found, "count": len(added)})
    return redirect("group_members", pk=pk)


@role_required(*MEMBERS)
@require_POST
def group_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    seat = _manager(request, pk)
    member = GroupMember.objects.filter(pk=member_pk, group=seat.group).select_related("group__centre", "user").first()
    if member is None:
        raise Http404
    try:
        services.group_member_remove(member=member, actor=request.user)
    except ServiceError as error:
        return _refused(request, error, reverse("group_members", args=[pk]))
    messages.success(request, _("%(name)s is no longer in the group.") % {"name": member.user.display_name})
    return redirect("group_members", pk=pk)


# --- The board ----------------------------------------------------------------------------------------------------

@role_required(*MEMBERS)
@require_safe
def group_board(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_group_for(request, pk)
    page = Paginator(selectors.board_threads(group=seat.group), THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/groups/board.html", {"seat": seat, "group": seat.group, "page": page})


def _files(request: HttpRequest) -> list:
    return request.FILES.getlist("files")


@role_required(*MEMBERS)
def thread_new(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_group_for(request, pk)
    if not seat.may_post:
        raise PermissionDenied
    data, files = posted(request, files=True)
    form = ThreadForm(data, files, initial={"post_token": secrets.token_urlsafe(24)})
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_start(group=seat.group, actor=request.user, title=form.cleaned_data["title"],
                                           body=form.cleaned_data["body"], files=_files(request),
                                           post_token=form.cleaned_data["post_token"])
        except (ServiceError, FileRefused) as error:
            form.add_error(None, str(error))
        else:
            return redirect("group_thread", pk=pk, thread_pk=thread.pk)
    return render(request, "community/groups/thread_new.html", {"seat": seat, "group": seat.group, "form": form})


def _last_page_url(thread: Thread, post: Post) -> str:
    before = Post.objects.filter(thread=thread, created_at__lte=post.created_at).count()
    page = max(1, math.ceil(before / POSTS_PER_PAGE))
    return reverse("group_thread", args=[thread.group_id, thread.pk]) + f"?page={page}#post-{post.pk}"


@role_required(*MEMBERS)
def group_thread(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    seat, thread = get_thread_for(request, pk, thread_pk)
    data, files = posted(request, files=True)
    if data is not None and not (seat.may_post and not thread.locked):
        messages.error(request, _("This thread is locked: it takes no more replies.") if thread.locked
                       else _("You cannot post in this group."))
        return redirect("group_thread", pk=pk, thread_pk=thread.pk)
    form = PostForm(data, files, initial={"post_token": secrets.token_urlsafe(24)})
    if data is not None and form.is_valid():
        try:
            post = services.post_reply(thread=thread, actor=request.user, body=form.cleaned_data["body"],
                                       files=_files(request), post_token=form.cleaned_data["post_token"])
        except (ServiceError, FileRefused) as error:
            form.add_error(None, str(error))
        else:
            return redirect(_last_page_url(thread, post))
    page = Paginator(selectors.thread_posts(thread=thread), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    latest = selectors.latest_post_of(thread=thread, author=request.user)
    staff = set(selectors.group_staff(group=seat.group).values_list("pk", flat=True))
    for post in page:
        post.own, post.by_staff = post.author_id == request.user.pk, post.author_id in staff
        post.editable = services.may_edit(post=post, user=request.user, latest_id=latest and latest.pk) \
            and seat.may_post and not thread.locked
    return render(request, "community/groups/thread.html", {
        "seat": seat, "group": seat.group, "thread": thread, "page": page, "form": form})


@role_required(*MEMBERS)
@require_POST
def thread_pin(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    seat, thread = get_thread_for(request, pk, thread_pk)
    if not seat.moderate:
        raise PermissionDenied
    try:
        services.thread_pin(thread=thread, actor=request.user, pinned=request.POST.get("pinned") != "0")
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("group_thread", pk=pk, thread_pk=thread.pk)


@role_required(*MEMBERS)
@require_POST
def thread_lock(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    seat, thread = get_thread_for(request, pk, thread_pk)
    if not seat.moderate:
        raise PermissionDenied
    try:
        services.thread_lock(thread=thread, actor=request.user, locked=request.POST.get("locked") != "0")
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("group_thread", pk=pk, thread_pk=thread.pk)


# --- Posts --------------------------------------------------------------------------------------------------------

def _back_to(post: Post) -> str:
    return reverse("group_thread", args=[post.thread.group_id, post.thread_id]) + f"#post-{post.pk}"


@role_required(*MEMBERS)
def post_edit(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    seat, post = get_post_for(request, pk, post_pk)
    if post.author_id != request.user.pk:
        raise PermissionDenied
    form = PostEditForm(posted(request), instance=post)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(post=post, actor=request.user, body=form.cleaned_data["body"])
        except ServiceError as error:
            return _refused(request, error, _back_to(post))
        return redirect(_back_to(post))
    return render(request, "community/groups/post_edit.html", {"seat": seat, "group": seat.group, "post": post,
                                                                "form": form})


@role_required(*MEMBERS)
def post_delete(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    seat, post = get_post_for(request, pk, post_pk)
    if post.author_id != request.user.pk:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.post_delete(post=post, actor=request.user)
        except ServiceError as error:
            return _refused(request, error, _back_to(post))
        messages.success(request, _("Your post is removed."))
        return redirect(_back_to(post))
    return render(request, "community/groups/post_remove.html", {"seat": seat, "group": seat.group, "post": post})


@role_required(*MEMBERS)
def post_hide(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    seat, post = get_post_for(request, pk, post_pk)
    if not seat.moderate:
        raise PermissionDenied
    form = HideForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_hide(post=post, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            return _refused(request, error, _back_to(post))
        messages.success(request, _("The post is hidden."))
        return redirect(_back_to(post))
    return render(request, "community/groups/post_remove.html", {"seat": seat, "group": seat.group, "post": post,
                                                                  "form": form})


@role_required(*MEMBERS)
@require_safe
def post_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    seat = get_group_for(request, pk)
    attachment = PostAttachment.objects.filter(pk=attachment_pk, post__thread__group=seat.group).first()
    if attachment is None:
        raise Http404
    return stored_file_response(attachment.file, content_type=attachment.content_type,
                                filename=attachment.original_name, inline=attachment.kind in INLINE_KINDS,
                                range_header=request.headers.get("Range", ""))
