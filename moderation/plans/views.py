"""Sampling plan pages. Moderators and centre admins read plans; moderators generate them and change their items.
An external moderator reads the plans of their grant's scope and, on them, only the items of enrolments in scope
(`moderation.external.scope`)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import posted
from accounts.models import User
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from moderation.external import scope
from moderation.models import PlanItem, SamplingPlan, SamplingStrategy
from moderation.plans import selectors, services
from moderation.plans.forms import GenerateForm, ItemAddForm, ItemAssignForm, ItemFilterForm, ItemRemoveForm
from portfolios.models import Enrolment
from qualifications.models import Unit

READERS = (Role.MODERATOR, Role.CENTRE_ADMIN, Role.EXTERNAL_MODERATOR)
ITEMS_PER_PAGE = 100


def get_plan_for(request: HttpRequest, pk: int) -> SamplingPlan:
    plan = (scope.plans(request, SamplingPlan.objects.filter(centre=request.leap.centre, pk=pk))
            .select_related("strategy__qualification", "centre", "generated_by").first())
    if plan is None:
        raise Http404
    return plan


def get_plan_item_for(request: HttpRequest, pk: int) -> PlanItem:
    item = (scope.plan_items(request, PlanItem.objects.filter(plan__centre=request.leap.centre, pk=pk))
            .select_related("plan__strategy__qualification", "plan__centre", "enrolment__learner", "unit",
                            "assessor", "moderator", "added_by", "removed_by").first())
    if item is None:
        raise Http404
    return item


def _is_moderator(request: HttpRequest) -> bool:
    return request.leap.has(Role.MODERATOR)


@role_required(*READERS)
def iqa_plan_list(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    today = timezone.localdate()
    strategies = (SamplingStrategy.objects.filter(centre=centre, status=SamplingStrategy.Status.APPROVED)
                  .select_related("qualification").order_by("qualification__code"))
    generate = [(s, GenerateForm(initial={"strategy": s.pk, "cycle_start_year": s.cycle_start_year_of(today)}))
                for s in strategies] if _is_moderator(request) else []
    return render(request, "moderation/iqa_plan_list.html", {
        "plans": scope.plans(request, selectors.current_plans(centre=centre)), "generate": generate,
        "is_moderator": _is_moderator(request)})


@role_required(Role.MODERATOR)
@require_POST
def iqa_plan_generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the year the cycle starts in."))
        return redirect("iqa_plan_list")
    strategy = SamplingStrategy.objects.filter(centre=request.leap.centre, pk=form.cleaned_data["strategy"]).first()
    if strategy is None:
        raise Http404
    try:
        plan = services.sampling_plan_generate(
            strategy=strategy, cycle_start_year=form.cleaned_data["cycle_start_year"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("iqa_plan_list")
    diff = plan.summary.get("diff")
    if diff is not None:
        messages.success(request, _("Plan #%(number)s generated with the same seed: %(added)s added, %(removed)s "
                                    "removed.") % {"number": plan.number, "added": len(diff["added"]),
                                                   "removed": len(diff["removed"])})
    else:
        items = plan.summary["counts"]["items"]
        messages.success(request, ngettext("Plan generated: %(items)s item.", "Plan generated: %(items)s items.", items)
                         % {"items": items})
    return redirect("iqa_plan_detail", pk=plan.pk)


@role_required(*READERS)
def iqa_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request, pk)
    assessors = User.objects.filter(pk__in=scope.plan_items(request, PlanItem.objects.filter(plan=plan))
                                    .values("assessor_id")).order_by("first_name", "last_name", "pk")
    units = Unit.objects.filter(version__qualification=plan.strategy.qualification_id).order_by(
        "version__number", "position").distinct()
    moderators = list(selectors.moderators_of(centre=plan.centre))
    filter_form = ItemFilterForm(request.GET or None, assessors=assessors, units=units, moderators=moderators)
    items = Paginator(scope.plan_items(request, selectors.plan_items(plan=plan, filters=filter_form.filters())),
                      ITEMS_PER_PAGE)
    return render(request, "moderation/iqa_plan_detail.html", {
        "plan": plan, "filter_form": filter_form, "page": items.get_page(request.GET.get("page")),
        "diff": _diff_rows(request, plan), "is_moderator": _is_moderator(request),
        "eqa_partial": getattr(scope.eqa_grant(request), "scope", "centre") != "centre",
        "query": _query_without_page(request)})


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _diff_rows(request: HttpRequest, plan: SamplingPlan) -> dict | None:
    diff = plan.summary.get("diff")
    if diff is None:
        return None
    keys = diff["added"] + diff["removed"]
    enrolments = scope.of_enrolments(request, Enrolment.objects.filter(pk__in={k[0] for k in keys}), path="pk")
    enrolments = enrolments.select_related("learner").in_bulk()
    units = Unit.objects.filter(pk__in={k[1] for k in keys}).in_bulk()
    eqa = scope.eqa_grant(request) is not None  # an external moderator: only the changes of enrolments in scope

    def rows(which):
        return [(enrolments.get(e), units.get(u), kind) for e, u, kind in diff[which]
                if not eqa or e in enrolments]

    return {"added": rows("added"), "removed": rows("removed")}


@role_required(Role.MODERATOR)
def iqa_plan_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request, pk)
    enrolments = (Enrolment.objects.filter(centre=plan.centre, version__qualification=plan.strategy.qualification_id)
                  .select_related("learner", "assessor").order_by("learner__first_name", "learner__last_name", "pk"))
    units = Unit.objects.filter(version__qualification=plan.strategy.qualification_id).order_by(
        "version__number", "position")
    form = ItemAddForm(posted(request), enrolments=enrolments, units=units)
    if form.is_valid():
        try:
            services.plan_item_add(plan=plan, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item added to the plan."))
            return redirect("iqa_plan_detail", pk=plan.pk)
    return render(request, "moderation/iqa_plan_item_add.html", {"plan": plan, "form": form})


@role_required(*READERS)
def iqa_plan_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_plan_item_for(request, pk)
    return _render_item(request, item)


def _render_item(request, item, remove_form=None, assign_form=None, status=200) -> HttpResponse:
    moderators = selectors.moderators_of(centre=item.plan.centre)
    editable = _is_moderator(request) and item.plan.current and not item.removed_at
    return render(request, "moderation/iqa_plan_item.html", {
        "item": item, "plan": item.plan, "editable": editable,
        "remove_form": remove_form or ItemRemoveForm(),
        "assign_form": assign_form or ItemAssignForm(moderators=moderators, initial={"moderator": item.moderator_id}),
    }, status=status)


@role_required(Role.MODERATOR)
@require_POST
def iqa_plan_item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_plan_item_for(request, pk)
    form = ItemRemoveForm(request.POST)
    if form.is_valid():
        try:
            services.plan_item_remove(item=item, reason=form.cleaned_data["reason"], actor=request.user)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item removed from the plan; the reason is kept."))
            return redirect("iqa_plan_detail", pk=item.plan_id)
    return _render_item(request, item, remove_form=form, status=400)


@role_required(Role.MODERATOR)
@require_POST
def iqa_plan_item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_plan_item_for(request, pk)
    moderators = selectors.moderators_of(centre=item.plan.centre)
    form = ItemAssignForm(request.POST, moderators=moderators)
    if form.is_valid():
        try:
            services.plan_item_assign(item=item, moderator=form.cleaned_data["moderator"], actor=request.user)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item assigned to %(name)s.") % {"name": item.moderator.display_name})
            return redirect("iqa_plan_item", pk=item.pk)
    return _render_item(request, item, assign_form=form, status=400)


@role_required(*READERS)
def iqa_plan_camera(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request, pk)
    return render(request, "moderation/iqa_plan_camera.html",
                  {"plan": plan, "coverage": selectors.camera_coverage(plan=plan),
                   "is_moderator": _is_moderator(request)})
