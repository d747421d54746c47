"""EQA report pages. The external moderator's (every URL name starts with `eqa_mine_`, the only writes the
middleware lets them make) work under the grant in effect and 404 outside it; the centre admin reads signed
reports, acknowledges them, lifts a sanction and keeps the checklist; the centre's staff work their action
points."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import posted
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from moderation.models import EqaGrant
from portfolios.models import EnrolmentUnit

from ..selectors import grant_enrolments
from . import selectors, services
from .forms import (
    ActionPointForm,
    ChecklistItemForm,
    CommentForm,
    JudgementForm,
    LiftForm,
    PickerForm,
    RatingsForm,
    ReportForm,
    ReportNewForm,
    SanctionForm,
    SignForm,
)
from .models import EqaActionPoint, EqaChecklistItem, EqaJudgement, EqaReport
from .pdf import report_pdf_bytes

EQA = Role.EXTERNAL_MODERATOR
ADMIN = Role.CENTRE_ADMIN
STAFF = (Role.ASSESSOR, Role.MODERATOR, Role.CENTRE_ADMIN)
FORMULAS = {
    "sample": _("Sample size = the number of sampled decisions judged in this report."),
    "covered": _("Learners, units and assessors covered = the distinct ones among the judged decisions."),
    "agreement": _("Agreed % = decisions agreed ÷ sample size × 100; changed % = decisions changed ÷ sample size × "
                   "100 (rounded)."),
    "overall": _("Overall rating = the worst of the checklist ratings (red is worst, then amber, then green)."),
}


# --- Access ---------------------------------------------------------------------------------------------------

def _grant(request: HttpRequest) -> EqaGrant:
    grant = request.leap.grant
    if grant is None:
        raise Http404
    return grant


def get_own_report_for(request: HttpRequest, pk: int) -> EqaReport:
    """A report the external moderator wrote under the grant in effect."""
    report = selectors.report_with_rows(EqaReport.objects.filter(pk=pk, grant=_grant(request),
                                                                 author=request.user)).first()
    if report is None:
        raise Http404
    return report


def get_report_for(request: HttpRequest, pk: int) -> EqaReport:
    """A signed report of the current centre, for its admins (a draft is still the EQA's)."""
    report = selectors.report_with_rows(EqaReport.objects.filter(pk=pk, centre=request.leap.centre)
                                        .exclude(status=EqaReport.Status.DRAFT)).first()
    if report is None:
        raise Http404
    return report


def get_checklist_item_for(request: HttpRequest, pk: int) -> EqaChecklistItem:
    item = EqaChecklistItem.objects.filter(pk=pk, centre=request.leap.centre).select_related("centre").first()
    if item is None:
        raise Http404
    return item


def get_action_point_for(request: HttpRequest, pk: int) -> EqaActionPoint:
    """An action point of a signed report: any of the centre's for its admins, else the person's own."""
    points = (EqaActionPoint.objects.filter(pk=pk, centre=request.leap.centre)
              .exclude(report__status=EqaReport.Status.DRAFT))
    if not request.leap.has(ADMIN):
        points = points.filter(owner=request.user)
    point = points.select_related("centre").first()
    if point is None:
        raise Http404
    return point


def _refused(request: HttpRequest, error: ServiceError) -> None:
    messages.error(request, str(error))


def _pdf_response(report: EqaReport) -> FileResponse:
    import io

    response = FileResponse(io.BytesIO(report_pdf_bytes(report)), content_type="application/pdf",
                            filename=f"eqa-report-{report.pk}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- The external moderator's report --------------------------------------------------------------------------

@role_required(EQA)
@require_safe
def eqa_mine_reports(request: HttpRequest) -> HttpResponse:
    grant = _grant(request)
    return render(request, "moderation/eqa/report_list.html", {
        "grant": grant, "reports": selectors.grant_reports(grant), "formulas": FORMULAS})


@role_required(EQA)
def eqa_mine_report_new(request: HttpRequest) -> HttpResponse:
    grant = _grant(request)
    form = ReportNewForm(posted(request), initial={"visit_date": grant.visit_on or timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.eqa_report_create(grant=grant, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Report started. Add the decisions you sampled, then rate the checklist."))
            return redirect("eqa_mine_report", pk=report.pk)
    return render(request, "moderation/eqa/report_new.html", {"form": form, "grant": grant},
                  status=400 if form.errors else 200)


@role_required(EQA)
@require_safe
def eqa_mine_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    return _working_page(request, report)


def _working_page(request: HttpRequest, report: EqaReport, *, action_form=None, sanction_form=None,
                  status: int = 200) -> HttpResponse:
    draft = report.is_draft
    return render(request, "moderation/eqa/report_mine.html", {
        "report": report, "figures": selectors.report_figures(report), "formulas": FORMULAS, "draft": draft,
        "unrated": selectors.unrated_items(report) if draft else [],
        "action_form": action_form or ActionPointForm(centre=report.centre) if draft else None,
        "sanction_form": (sanction_form or SanctionForm(initial={
            "hold": report.sanction == EqaReport.Sanction.HOLD, "reason": report.sanction_reason})) if draft else None,
        "sanction_qualifications": list(report.sanction_qualifications.all()),
        "sign_form": SignForm() if draft else None}, status=status)


@role_required(EQA)
def eqa_mine_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    if not report.is_draft:
        messages.info(request, _("This report is signed: it can no longer change."))
        return redirect("eqa_mine_report", pk=report.pk)
    form = ReportForm(posted(request), instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.eqa_report_update(report=report, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Report saved."))
        return redirect("eqa_mine_report", pk=report.pk)
    return render(request, "moderation/eqa/report_edit.html", {"form": form, "report": report},
                  status=400 if form.errors else 200)


@role_required(EQA)
@require_safe
def eqa_mine_report_sample(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    form = PickerForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    show = chosen.get("show") or "sampled"
    page = selectors.picker_page(report=report, search=chosen.get("q", ""), show=show,
                                 page=request.GET.get("page") or 1)
    query = urlencode({"q": chosen.get("q", ""), "show": show})
    return render(request, "moderation/eqa/report_sample.html", {
        "report": report, "form": form, "page": page, "query": query, "show": show,
        "judgement_form": JudgementForm(), "figures": selectors.report_figures(report)})


@role_required(EQA)
@require_POST
def eqa_mine_judgement_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    form = JudgementForm(request.POST)
    back = reverse("eqa_mine_report_sample", args=[report.pk]) + "?" + request.GET.urlencode()
    if not form.is_valid():
        messages.error(request, _("Choose agreed or changed for the decision."))
        return redirect(back)
    unit = (EnrolmentUnit.objects.filter(pk=form.cleaned_data["enrolment_unit"],
                                         enrolment__in=grant_enrolments(report.grant))
            .select_related("enrolment__assessor", "unit").first())
    if unit is None:
        raise Http404
    try:
        services.eqa_judgement_add(report=report, actor=request.user, enrolment_unit=unit,
                                   agreed=form.cleaned_data["agreed"] == "yes", note=form.cleaned_data["note"])
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Unit %(code)s added to the sample.") % {"code": unit.unit.code})
    return redirect(back)


@role_required(EQA)
@require_POST
def eqa_mine_judgement_remove(request: HttpRequest, pk: int) -> HttpResponse:
    judgement = EqaJudgement.objects.filter(pk=pk).select_related("report").first()
    if judgement is None:
        raise Http404
    report = get_own_report_for(request, judgement.report_id)
    judgement.report = report
    try:
        services.eqa_judgement_remove(judgement=judgement, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Judgement removed from the sample."))
    return redirect("eqa_mine_report", pk=report.pk)


@role_required(EQA)
def eqa_mine_report_ratings(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    if report.is_draft and request.method == "GET":
        services.eqa_checklist_seed(centre=report.centre, actor=request.user)
    form = RatingsForm(posted(request), items=selectors.active_checklist(report.centre), report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.eqa_ratings_save(report=report, actor=request.user, ratings=form.ratings())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Ratings saved."))
            return redirect("eqa_mine_report", pk=report.pk)
    return render(request, "moderation/eqa/report_ratings.html", {"report": report, "form": form,
                                                                   "formulas": FORMULAS},
                  status=400 if form.errors else 200)


@role_required(EQA)
@require_POST
def eqa_mine_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    form = ActionPointForm(request.POST, centre=report.centre)
    if not form.is_valid():
        return _working_page(request, report, action_form=form, status=400)
    try:
        services.eqa_action_point_add(report=report, actor=request.user, **form.cleaned_data)
    except ServiceError as error:
        form.add_error(None, str(error))
        return _working_page(request, report, action_form=form, status=400)
    messages.success(request, _("Action point added. Its owner is told when you sign the report."))
    return redirect(reverse("eqa_mine_report", args=[report.pk]) + "#actions-h")


@role_required(EQA)
@require_POST
def eqa_mine_action_remove(request: HttpRequest, pk: int) -> HttpResponse:
    point = EqaActionPoint.objects.filter(pk=pk).first()
    if point is None:
        raise Http404
    point.report = get_own_report_for(request, point.report_id)
    try:
        services.eqa_action_point_remove(point=point, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Action point removed."))
    return redirect(reverse("eqa_mine_report", args=[point.report_id]) + "#actions-h")


@role_required(EQA)
@require_POST
def eqa_mine_report_sanction(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    form = SanctionForm(request.POST)
    form.is_valid()
    try:
        services.eqa_sanction_set(report=report, actor=request.user, hold=form.cleaned_data.get("hold", False),
                                  reason=form.cleaned_data.get("reason", ""))
    except ServiceError as error:
        form.add_error(None, str(error))
        return _working_page(request, report, sanction_form=form, status=400)
    messages.success(request, _("Sanction saved.") if form.cleaned_data.get("hold") else _("No sanction."))
    return redirect(reverse("eqa_mine_report", args=[report.pk]) + "#sanction-h")


@role_required(EQA)
@require_POST
def eqa_mine_report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_own_report_for(request, pk)
    form = SignForm(request.POST)
    try:
        services.eqa_report_sign(report=report, actor=request.user,
                                 typed_name=form.cleaned_data["typed_name"] if form.is_valid() else "")
    except ServiceError as error:
        _refused(request, error)
        return redirect(reverse("eqa_mine_report", args=[report.pk]) + "#sign-h")
    messages.success(request, _("Report signed. The centre admins have been told; it can no longer change."))
    return redirect("eqa_mine_report", pk=report.pk)


@role_required(EQA)
@require_safe
def eqa_mine_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(get_own_report_for(request, pk))


@role_required(EQA)
def eqa_mine_comments(request: HttpRequest) -> HttpResponse:
    grant = _grant(request)
    form = CommentForm(posted(request), grant=grant)
    if request.method == "POST" and form.is_valid():
        try:
            services.eqa_comment_add(grant=grant, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Comment sent to the centre's admins."))
            return redirect("eqa_mine_comments")
    return render(request, "moderation/eqa/report_comments.html", {
        "grant": grant, "form": form, "comments": selectors.grant_comments(grant), "mine": True},
        status=400 if form.errors else 200)


# --- The centre admin -----------------------------------------------------------------------------------------

@role_required(ADMIN)
@require_safe
def eqa_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for(request, pk)
    return render(request, "moderation/eqa/report_detail.html", {
        "report": report, "figures": selectors.report_figures(report), "formulas": FORMULAS,
        "lift_form": LiftForm(), "sanction_qualifications": list(report.sanction_qualifications.all())})


@role_required(ADMIN)
@require_POST
def eqa_report_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for(request, pk)
    try:
        services.eqa_report_acknowledge(report=report, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Report acknowledged; the external moderator has been told."))
    return redirect("eqa_report_detail", pk=report.pk)


@role_required(ADMIN)
@require_safe
def eqa_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(get_report_for(request, pk))


@role_required(ADMIN)
@require_POST
def eqa_sanction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for(request, pk)
    form = LiftForm(request.POST)
    try:
        services.eqa_sanction_lift(report=report, actor=request.user,
                                   reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Sanction lifted: certification of the qualification can go ahead."))
    return redirect("eqa_report_detail", pk=report.pk)


@role_required(ADMIN)
@require_safe
def eqa_report_comments(request: HttpRequest, pk: int) -> HttpResponse:
    grant = EqaGrant.objects.filter(pk=pk, centre=request.leap.centre).first()
    if grant is None:
        raise Http404
    return render(request, "moderation/eqa/report_comments.html", {
        "grant": grant, "comments": selectors.grant_comments(grant), "mine": False})


@role_required(ADMIN)
def eqa_checklist(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    if request.method == "GET":
        services.eqa_checklist_seed(centre=centre, actor=request.user)  # first use: the default checklist
    form = ChecklistItemForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.eqa_checklist_item_add(centre=centre, actor=request.user, text=form.cleaned_data["text"])
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Criterion added."))
            return redirect("eqa_checklist")
    items = list(EqaChecklistItem.objects.filter(centre=centre).order_by("-active", "position", "pk"))
    return render(request, "moderation/eqa/report_checklist.html", {"items": items, "form": form},
                  status=400 if form.errors else 200)


@role_required(ADMIN)
def eqa_checklist_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_checklist_item_for(request, pk)
    form = ChecklistItemForm(posted(request), initial={"text": item.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.eqa_checklist_item_edit(item=item, actor=request.user, text=form.cleaned_data["text"])
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Criterion saved. Signed reports keep the words they were rated against."))
            return redirect("eqa_checklist")
    return render(request, "moderation/eqa/report_checklist_edit.html", {"item": item, "form": form},
                  status=400 if form.errors else 200)


@role_required(ADMIN)
@require_POST
def eqa_checklist_item_move(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_checklist_item_for(request, pk)
    services.eqa_checklist_item_move(item=item, actor=request.user, up=request.POST.get("direction") != "down")
    return redirect("eqa_checklist")


@role_required(ADMIN)
@require_POST
def eqa_checklist_item_active(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_checklist_item_for(request, pk)
    active = request.POST.get("active") == "1"
    services.eqa_checklist_item_set_active(item=item, actor=request.user, active=active)
    messages.success(request, _("Criterion brought back.") if active else
                     _("Criterion deactivated: new reports no longer rate it."))
    return redirect("eqa_checklist")


# --- The centre's action list ---------------------------------------------------------------------------------

@role_required(*STAFF)
@require_safe
def centre_actions(request: HttpRequest) -> HttpResponse:
    """Open EQA action points: all of the centre's for its admins, the person's own for other staff."""
    everyone = request.leap.has(ADMIN)
    owner = None if everyone else request.user
    centre = request.leap.centre
    return render(request, "moderation/eqa/actions.html", {
        "points": selectors.open_action_points(centre=centre, owner=owner),
        "done": selectors.recently_done_action_points(centre=centre, owner=owner), "everyone": everyone})


@role_required(*STAFF)
@require_POST
def eqa_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_action_point_for(request, pk)
    try:
        services.eqa_action_done(point=point, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Action point marked done."))
    return redirect("centre_actions")
