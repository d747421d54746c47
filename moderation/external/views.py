"""The centre admin's EQA grant pages: the list, a new grant, one grant (extend, expand, revoke) and its activity."""

import datetime
import math

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import posted
from audit.models import AuditEvent, object_type_of
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from moderation.models import EqaGrant

from . import services
from .forms import ExpandForm, ExtendForm, GrantForm, RevokeForm
from .selectors import grant_enrolments

GRANTS_PER_PAGE = 50
LEARNERS_PER_PAGE = 50
EVENTS_PER_PAGE = 100
CHANGEABLE = ("invited", "scheduled", "active")
# What each audited act on a grant reads as on the activity page; others show their code.
ACTION_WORDS = {
    "eqa.viewed": gettext_lazy("Opened a page"),
    "eqa.file_downloaded": gettext_lazy("Downloaded a file"),
    "eqa.saved": gettext_lazy("Saved their EQA record"),
    "eqa.refused": gettext_lazy("Refused"),
    "eqa.grant_created": gettext_lazy("Grant created"),
    "eqa.grant_accepted": gettext_lazy("Invitation accepted"),
    "eqa.grant_extended": gettext_lazy("End of access moved"),
    "eqa.grant_expanded": gettext_lazy("Learners added"),
    "eqa.grant_revoked": gettext_lazy("Grant revoked"),
}


def get_grant_for(request: HttpRequest, pk: int) -> EqaGrant:
    grant = (EqaGrant.objects.filter(centre=request.leap.centre, pk=pk)
             .select_related("centre", "moderator", "invitation", "qualification", "plan__strategy__qualification",
                             "created_by", "revoked_by")
             .annotate(learners_count=Count("learners")).first())
    if grant is None:
        raise Http404
    return grant


def _page(rows, per_page: int, count: int, request: HttpRequest):
    """A page of `rows` whose total is already known (counted with the page's other figures)."""
    paginator = Paginator(rows, per_page)
    paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def _days_left(grant: EqaGrant, now) -> int | None:
    if grant.revoked_at or grant.expires_at <= now:
        return None
    return math.ceil((grant.expires_at - now).total_seconds() / 86400)


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_list(request: HttpRequest) -> HttpResponse:
    grants = (EqaGrant.objects.filter(centre=request.leap.centre)
              .select_related("moderator", "qualification", "plan__strategy__qualification")
              .annotate(learners_count=Count("learners")).order_by("-starts_at", "-pk"))
    page = Paginator(grants, GRANTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for grant in page:
        grant.days_left = _days_left(grant, now)
    return render(request, "moderation/eqa/grant_list.html", {"page": page})


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_new(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    form = GrantForm(posted(request), centre=centre)
    if form.is_valid():
        try:
            grant = services.eqa_grant_create(centre=centre, actor=request.user, **form.grant_kwargs())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            if grant.moderator_id is None:
                messages.success(request, _("Grant created and an invitation sent to %(email)s: access starts once "
                                            "they accept it and set up a second factor.") % {"email": grant.email})
            else:
                messages.success(request, _("Grant created; %(email)s has been told.") % {"email": grant.email})
            return redirect("eqa_grant_detail", pk=grant.pk)
    return render(request, "moderation/eqa/grant_new.html", {"form": form}, status=400 if form.errors else 200)


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_grant_for(request, pk)
    enrolments = grant_enrolments(grant)
    counts = enrolments.aggregate(enrolments=Count("pk"), learners=Count("learner", distinct=True))
    rows = (enrolments.select_related("learner", "assessor", "version__qualification")
            .order_by("learner__last_name", "learner__first_name", "pk"))
    added = set(grant.learners.values_list("pk", flat=True)) if grant.scope != EqaGrant.Scope.LEARNERS else set()
    grant.days_left = _days_left(grant, timezone.now())
    return render(request, "moderation/eqa/grant_detail.html", {
        "grant": grant, "counts": counts, "page": _page(rows, LEARNERS_PER_PAGE, counts["enrolments"], request),
        "added": added, "changeable": grant.state in CHANGEABLE, "extend_form": ExtendForm(grant=grant),
        "expand_form": ExpandForm(grant=grant), "revoke_form": RevokeForm()})


def _change(request: HttpRequest, pk: int, form_class, act, done: str, which: str) -> HttpResponse:
    """One change of a grant: a GET shows its form alone; a POST applies it, or shows the form with its error."""
    grant = get_grant_for(request, pk)
    form = form_class(posted(request), grant=grant)
    if form.is_valid():
        try:
            act(grant, form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("eqa_grant_detail", pk=grant.pk)
    return render(request, "moderation/eqa/grant_change.html", {"grant": grant, "form": form, "which": which},
                  status=400 if form.errors else 200)


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, ExtendForm, lambda grant, data: services.eqa_grant_extend(
        grant=grant, actor=request.user, expires_at=data["expires_at"]), _("The end of access has moved."), "extend")


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_expand(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, ExpandForm, lambda grant, data: services.eqa_grant_expand(
        grant=grant, actor=request.user, learners=data["learners"]), _("Learners added to the grant."), "expand")


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, RevokeForm, lambda grant, data: services.eqa_grant_revoke(
        grant=grant, actor=request.user, reason=data["reason"]),
        _("Grant revoked: the external moderator's access has ended."), "revoke")


@role_required(Role.CENTRE_ADMIN)
def eqa_grant_activity(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_grant_for(request, pk)
    events = AuditEvent.objects.filter(object_type=object_type_of(grant), object_id=str(grant.pk))
    counts = events.aggregate(
        total=Count("pk"), viewed=Count("pk", filter=Q(action="eqa.viewed")),
        downloaded=Count("pk", filter=Q(action="eqa.file_downloaded")),
        saved=Count("pk", filter=Q(action="eqa.saved")),
        refused=Count("pk", filter=Q(action="eqa.refused")))
    rows = events.select_related("actor").order_by("-created_at", "-pk")
    page = _page(rows, EVENTS_PER_PAGE, counts["total"], request)
    for event in page:
        event.words = ACTION_WORDS.get(event.action, event.action)
        event.detail = _detail(event)
    return render(request, "moderation/eqa/grant_activity.html", {"grant": grant, "counts": counts, "page": page})


def _detail(event: AuditEvent) -> str:
    """The gist of a change to the grant, from its audit data."""
    data = event.data
    match event.action:
        case "eqa.grant_extended":
            return _("Access now ends %(when)s") % {"when": _moment(data.get("to"))}
        case "eqa.grant_expanded":
            return ", ".join(data.get("added", []))
        case "eqa.grant_revoked":
            return data.get("reason", "")
        case "eqa.grant_created":
            return _("Access %(start)s – %(end)s%(invited)s") % {
                "start": _moment(data.get("starts_at")), "end": _moment(data.get("expires_at")),
                "invited": _("; invitation sent") if data.get("invited") else ""}
    return ""


def _moment(iso: str | None) -> str:
    if not iso:
        return "—"
    return f"{timezone.localtime(datetime.datetime.fromisoformat(iso)):%d %b %Y %H:%M}"
