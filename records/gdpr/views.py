"""Data-subject request pages, for the centre's admins only: the list, recording a request, one request (access:
prepare, download, mark done; erasure: review, confirm, the letter), refusing one."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from . import erasure, selectors, services
from .forms import AccessDoneForm, DataRequestForm, ErasureConfirmForm, RefuseForm
from .models import DataRequest


@role_required(Role.CENTRE_ADMIN)
@require_safe
def data_request_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    answered = selectors.requests_of(centre=request.leap.centre).exclude(status=DataRequest.Status.OPEN)
    return render(request, "records/gdpr/request_list.html", {
        "open": selectors.open_requests(centre=request.leap.centre, today=today),
        "answered": answered.order_by("-done_at", "-pk")[:50], "today": today})


@role_required(Role.CENTRE_ADMIN)
@require_http_methods(["GET", "POST"])
def data_request_new(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    form = DataRequestForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found, created = services.data_request_record(
                centre=centre, subject=data["subject"], kind=data["kind"], received_on=data["received_on"],
                notes=data["notes"], actor=request.user)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            if not created:
                messages.info(request, _("This request was already recorded: here it is."))
            return redirect("data_request_detail", found.pk)
    return render(request, "records/gdpr/request_new.html", {"form": form})


@role_required(Role.CENTRE_ADMIN)
@require_safe
def data_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    return render(request, "records/gdpr/request_detail.html", {
        "data_request": found, "due": selectors.due_words(found, timezone.localdate()),
        "export_url": _export_url(found), "refuse_form": RefuseForm(), "done_form": AccessDoneForm(),
        "plan": erasure.grouped(erasure.stored_plan(found)), "steps": found.erasure.get("steps", {})})


def _export_url(found: DataRequest) -> str:
    if found.export is None or found.export.status != "ready":
        return ""
    try:
        return reverse("portfolio_export_file", args=[found.export.pk])
    except NoReverseMatch:
        return ""


def _act(request: HttpRequest, found: DataRequest, act, done: str) -> HttpResponse:
    try:
        act()
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("data_request_detail", found.pk)


@role_required(Role.CENTRE_ADMIN)
@require_POST
def data_request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, found, lambda: services.data_request_refuse(request=found, reason=reason, actor=request.user),
                _("The request is recorded as refused."))


@role_required(Role.CENTRE_ADMIN)
@require_POST
def data_request_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    return _act(request, found, lambda: services.data_request_prepare_access(request=found, actor=request.user),
                _("The account data is ready and the portfolio export is being prepared."))


@role_required(Role.CENTRE_ADMIN)
@require_POST
def data_request_access_done(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    form = AccessDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the files were handed over."))
        return redirect("data_request_detail", found.pk)
    return _act(request, found, lambda: services.data_request_complete_access(
        request=found, actor=request.user, handed_over=form.cleaned_data["handed_over"]),
        _("The request is answered: what was provided is recorded."))


@role_required(Role.CENTRE_ADMIN)
@require_safe
def data_request_erasure_review(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    if found.kind != DataRequest.Kind.ERASURE:
        raise Http404
    if found.status != DataRequest.Status.OPEN:
        return redirect("data_request_detail", found.pk)
    return render(request, "records/gdpr/erasure_review.html", {
        "data_request": found, "plan": (plan := erasure.erasure_plan(found)), "rows": erasure.grouped(plan.rows),
        "form": ErasureConfirmForm(),
        "due": selectors.due_words(found, timezone.localdate())})


@role_required(Role.CENTRE_ADMIN)
@require_POST
def data_request_erase(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_request_for(request, pk)
    if not ErasureConfirmForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("data_request_erasure_review", found.pk)
    return _act(request, found, lambda: services.data_request_erase(request=found, actor=request.user),
                _("The erasure is done and the letter is ready."))


@role_required(Role.CENTRE_ADMIN)
@require_safe
def data_request_file(request: HttpRequest, pk: int, what: str) -> FileResponse:
    """account.json (access) or the letter (erasure): admins only, never cached."""
    found = selectors.get_request_for(request, pk)
    stored = {"account": found.account_file, "letter": found.letter}.get(what)
    if not stored:
        raise Http404
    services.data_request_file_downloaded(request=found, actor=request.user, what=what)
    name, content_type = ((f"account-{found.pk}.json", "application/json") if what == "account"
                          else (f"letter-{found.pk}.pdf", "application/pdf"))
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
