"""Assessment plan pages. Learners and staff share them: the enrolment helper decides who sees what.

Reading (the plan, its versions, the document) is for anyone who may see the enrolment; changing it is for
its assessor or a centre admin (`write=True`); signing is for the two parties, the assessor and the learner.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted, signed_in
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from portfolios.access import can_manage, get_enrolment_for
from portfolios.models import AssessmentPlan, Enrolment, PlanItem
from portfolios.plans import selectors, services
from portfolios.plans.forms import PlanDocumentForm, PlanItemForm, PlanNotesForm, PlanSignForm, RevisionForm


def _plan_for(enrolment: Enrolment, number: int) -> AssessmentPlan:
    return get_object_or_404(enrolment.plans, number=number)


def _item_for(enrolment: Enrolment, item_pk: int) -> PlanItem:
    item = get_object_or_404(PlanItem.objects.select_related("plan"), pk=item_pk, plan__enrolment=enrolment)
    item.plan.enrolment = enrolment
    return item


def _field_of(error: ServiceError) -> str | None:
    return getattr(error, "field", None)


def _refuse_if_signed(request: HttpRequest, plan: AssessmentPlan) -> HttpResponse | None:
    """Opening an edit page of a signed version: say why not, rather than show a form that cannot save."""
    if request.method == "GET" and not plan.is_editable:
        messages.error(request, services.PLAN_SIGNED)
        return redirect("plan_detail", pk=plan.enrolment_id)
    return None


def _render_plan(request: HttpRequest, enrolment: Enrolment, plan: AssessmentPlan | None,
                 sign_form: PlanSignForm | None = None) -> HttpResponse:
    awaits = plan is not None and selectors.plan_awaits_signature_from(plan=plan, user=request.user)
    # The learner signs only after the assessor: until then they are told why there is nothing to sign.
    awaits_assessor = (plan is not None and plan.status in selectors.SIGNABLE and not plan.assessor_signed_at
                       and selectors.plan_party(plan=plan, user=request.user) == selectors.LEARNER)
    manages = can_manage(request, enrolment)
    in_force = selectors.plan_in_force(enrolment=enrolment) if plan and plan.status != plan.Status.AGREED else None
    return render(request, "portfolios/plan_detail.html", {
        "enrolment": enrolment, "plan": plan, "in_force": in_force,
        "items": selectors.plan_items(plan=plan) if plan else [],
        "can_manage": manages, "editing": manages and plan is not None and plan.is_editable,
        "sign_form": (sign_form or PlanSignForm(initial={"revision": plan.revision})) if awaits else None,
        "awaits_assessor": awaits_assessor,
    })


# --- Reading -----------------------------------------------------------------------------------------

@role_required(Role.ASSESSOR)
def plans_to_sign(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plans_to_sign(centre=request.leap.centre, assessor=request.user))
    return render(request, "portfolios/plans_to_sign.html", {"plans": plans})


@signed_in
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    return _render_plan(request, enrolment, selectors.plan_latest(enrolment=enrolment))


@signed_in
def plan_versions(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    return render(request, "portfolios/plan_versions.html",
                  {"enrolment": enrolment, "versions": selectors.plan_versions(enrolment=enrolment)})


@signed_in
def plan_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    plan = _plan_for(enrolment, number)
    if plan == selectors.plan_latest(enrolment=enrolment):
        return redirect("plan_detail", pk=enrolment.pk)
    return render(request, "portfolios/plan_version.html",
                  {"enrolment": enrolment, "plan": plan, "items": selectors.plan_items(plan=plan)})


@signed_in
def plan_document_download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    enrolment = get_enrolment_for(request, pk)
    plan = _plan_for(enrolment, number)
    if not plan.document:
        raise Http404
    kind = plan.document.name.rsplit(".", 1)[-1]
    response = FileResponse(plan.document.open("rb"), as_attachment=True,
                            filename=plan.document_name or f"assessment-plan-v{plan.number}.{kind}",
                            content_type=services.DOCUMENT_TYPES.get(kind, "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    return response


# --- Changing (the enrolment's assessor or a centre admin) -------------------------------------------

@signed_in
@require_POST
def plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    try:
        plan = services.plan_start(enrolment=enrolment, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Version %(number)s is a draft: add its items, then sign it.")
                         % {"number": plan.number})
    return redirect("plan_detail", pk=enrolment.pk)


@signed_in
def plan_item_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    plan = _plan_for(enrolment, number)
    if refused := _refuse_if_signed(request, plan):
        return refused
    form = PlanItemForm(posted(request), enrolment=enrolment, initial={"revision": plan.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_add(plan=plan, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(_field_of(error), str(error))
        else:
            messages.success(request, _("Item added."))
            return redirect("plan_detail", pk=enrolment.pk)
    return render(request, "portfolios/plan_item_form.html", {"form": form, "enrolment": enrolment, "plan": plan})


@signed_in
def plan_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    item = _item_for(enrolment, item_pk)
    if refused := _refuse_if_signed(request, item.plan):
        return refused
    form = PlanItemForm(posted(request), enrolment=enrolment, initial={
        "revision": item.plan.revision, "units": item.units.all(), "criteria": item.criteria.all(),
        "method": item.method, "target_date": item.target_date, "notes": item.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_update(item=item, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(_field_of(error), str(error))
        else:
            messages.success(request, _("Item saved."))
            return redirect("plan_detail", pk=enrolment.pk)
    return render(request, "portfolios/plan_item_form.html",
                  {"form": form, "enrolment": enrolment, "plan": item.plan, "item": item})


@signed_in
@require_POST
def plan_item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    item = _item_for(enrolment, item_pk)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, services.PLAN_CHANGED)
        return redirect("plan_detail", pk=enrolment.pk)
    try:
        services.plan_item_delete(item=item, actor=request.user, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Item removed."))
    return redirect("plan_detail", pk=enrolment.pk)


@signed_in
def plan_notes(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    plan = _plan_for(enrolment, number)
    if refused := _refuse_if_signed(request, plan):
        return refused
    form = PlanNotesForm(posted(request), initial={"revision": plan.revision, "notes": plan.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update_notes(plan=plan, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(_field_of(error), str(error))
        else:
            messages.success(request, _("Notes saved."))
            return redirect("plan_detail", pk=enrolment.pk)
    return render(request, "portfolios/plan_notes.html", {"form": form, "enrolment": enrolment, "plan": plan})


@signed_in
def plan_document_upload(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    plan = _plan_for(enrolment, number)
    if refused := _refuse_if_signed(request, plan):
        return refused
    form = PlanDocumentForm(*posted(request, files=True), initial={"revision": plan.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_attach_document(plan=plan, upload=form.cleaned_data["document"], actor=request.user,
                                          revision=form.cleaned_data["revision"])
        except ServiceError as error:
            form.add_error(_field_of(error), str(error))
        else:
            messages.success(request, _("Plan document attached."))
            return redirect("plan_detail", pk=enrolment.pk)
    return render(request, "portfolios/plan_document.html", {"form": form, "enrolment": enrolment, "plan": plan})


# --- Agreement (the assessor and the learner) --------------------------------------------------------

@signed_in
@require_POST
def plan_sign(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    plan = _plan_for(enrolment, number)
    if selectors.plan_party(plan=plan, user=request.user) is None:
        raise PermissionDenied
    form = PlanSignForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_sign(plan=plan, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            if _field_of(error) is None:  # changed, or no longer signable: show the plan as it is now
                messages.error(request, str(error))
                return redirect("plan_detail", pk=enrolment.pk)
            form.add_error(_field_of(error), str(error))
        else:
            done = (_("You signed version %(number)s. The plan is agreed.") if plan.status == plan.Status.AGREED
                    else _("You signed version %(number)s. It now awaits the other signature."))
            messages.success(request, done % {"number": plan.number})
            return redirect("plan_detail", pk=enrolment.pk)
    return _render_plan(request, enrolment, plan, sign_form=form)
