"""Sampling strategy and assessor risk pages. Moderators change them; centre admins read them; an external
moderator reads those of their grant's scope (`moderation.external.scope`)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import role_required
from centres.models import Membership, Role
from centres.services import ServiceError
from moderation.external import scope
from moderation.models import AssessorRiskOverride, SamplingStrategy
from moderation.strategies import selectors, services
from moderation.strategies.forms import ApproveForm, OverrideForm, QualificationChoiceForm, StrategyForm, WithdrawForm
from moderation.strategies.risk import rule_text
from qualifications.models import Qualification

READERS = (Role.MODERATOR, Role.CENTRE_ADMIN, Role.EXTERNAL_MODERATOR)


def get_strategy_for(request: HttpRequest, pk: int) -> SamplingStrategy:
    """A strategy of the current centre (the role rule on the view has let the person in), else 404."""
    strategies = SamplingStrategy.objects.select_related("centre", "qualification", "approved_by", "created_by")
    strategy = scope.strategies(request, strategies).filter(centre=request.leap.centre, pk=pk).first()
    if strategy is None:
        raise Http404
    return strategy


def _field_of(error: ServiceError) -> str | None:
    return getattr(error, "field", None)


def _render_detail(request: HttpRequest, strategy: SamplingStrategy, approve_form: ApproveForm | None = None,
                   status: int = 200) -> HttpResponse:
    is_moderator = request.leap.has(Role.MODERATOR)
    return render(request, "moderation/iqa_strategy_detail.html", {
        "strategy": strategy, "title": selectors.qualification_title(strategy.qualification),
        "rates": selectors.sorted_rates(strategy), "versions": selectors.strategy_versions(strategy=strategy),
        "draft": selectors.strategy_draft_of(strategy=strategy), "is_moderator": is_moderator,
        "cycle": selectors.current_cycle(strategy), "cycle_start_text": selectors.cycle_start_text(strategy),
        "approve_form": (approve_form or ApproveForm()) if is_moderator and strategy.status == "draft" else None,
    }, status=status)


# --- Reading -----------------------------------------------------------------------------------------

@role_required(*READERS)
def iqa_strategy_list(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    rows = selectors.strategies_by_qualification(centre=centre)
    if scope.eqa_grant(request) is not None:
        readable = set(scope.strategies(request, SamplingStrategy.objects.filter(centre=centre))
                       .values_list("qualification_id", flat=True))
        rows = [row for row in rows if row.qualification.pk in readable]
    return render(request, "moderation/iqa_strategy_list.html", {
        "rows": rows, "is_moderator": request.leap.has(Role.MODERATOR)})


@role_required(*READERS)
def iqa_strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_strategy_for(request, pk))


@role_required(*READERS)
def iqa_assessor_risk(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    rows = selectors.assessor_risk_rows(strategy=strategy)
    return render(request, "moderation/iqa_assessor_risk.html", {
        "strategy": strategy, "title": selectors.qualification_title(strategy.qualification),
        "rows": rows, "tier_counts": selectors.tier_counts(rows), "rule": rule_text(),
        "history": selectors.withdrawn_overrides(strategy=strategy),
        "is_moderator": request.leap.has(Role.MODERATOR), "tiers": OverrideForm().fields["tier"].choices})


# --- Changing (moderators) ---------------------------------------------------------------------------

@role_required(Role.MODERATOR)
@require_POST
def iqa_strategy_new(request: HttpRequest) -> HttpResponse:
    form = QualificationChoiceForm(request.POST)
    qualification = (Qualification.objects.filter(centre=request.leap.centre, pk=form.cleaned_data["qualification"])
                     .first() if form.is_valid() else None)
    if qualification is None:
        messages.error(request, _("Choose a qualification of this centre."))
        return redirect("iqa_strategy_list")
    try:
        strategy = services.strategy_create(centre=request.leap.centre, qualification=qualification,
                                            actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("iqa_strategy_list")
    messages.success(request, _("Version %(version)s is a draft: check its rates, then approve it.")
                     % {"version": strategy.version})
    return redirect("iqa_strategy_edit", pk=strategy.pk)


@role_required(Role.MODERATOR)
def iqa_strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    if strategy.status != SamplingStrategy.Status.DRAFT:
        messages.error(request, _("Version %(version)s is %(status)s and can no longer be changed; start a new "
                                  "version to change the strategy.")
                       % {"version": strategy.version, "status": strategy.get_status_display().lower()})
        return redirect("iqa_strategy_detail", pk=strategy.pk)
    form = StrategyForm(posted(request), strategy=strategy)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update(strategy=strategy, actor=request.user, **form.service_kwargs())
        except ServiceError as error:
            form.add_error(_field_of(error) if _field_of(error) in form.fields else None, str(error))
        else:
            messages.success(request, _("Draft saved. Approve it when it is ready."))
            return redirect("iqa_strategy_detail", pk=strategy.pk)
    return render(request, "moderation/iqa_strategy_edit.html", {
        "strategy": strategy, "form": form, "title": selectors.qualification_title(strategy.qualification)})


@role_required(Role.MODERATOR)
@require_POST
def iqa_strategy_approve(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.strategy_approve(strategy=strategy, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(_field_of(error) if _field_of(error) in form.fields else None, str(error))
        else:
            messages.success(request, _("Version %(version)s approved: it is the strategy in force.")
                             % {"version": strategy.version})
            return redirect("iqa_strategy_detail", pk=strategy.pk)
    strategy.refresh_from_db()
    return _render_detail(request, strategy, approve_form=form, status=400)


@role_required(Role.MODERATOR)
@require_POST
def iqa_strategy_discard(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    try:
        services.strategy_discard(strategy=strategy, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Draft version %(version)s discarded.") % {"version": strategy.version})
    return redirect("iqa_strategy_detail", pk=strategy.pk)


@role_required(Role.MODERATOR)
@require_POST
def iqa_risk_override(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    form = OverrideForm(request.POST)
    membership = (Membership.objects.filter(centre=strategy.centre, role=Role.ASSESSOR,
                                            user_id=form.cleaned_data["assessor"]).select_related("user").first()
                  if form.is_valid() else None)
    if membership is None:
        messages.error(request, _("Choose a tier and write the reason for the override.")
                       if not form.is_valid() else _("That person is not an assessor at this centre."))
        return redirect("iqa_assessor_risk", pk=strategy.pk)
    try:
        services.risk_override_set(centre=strategy.centre, qualification=strategy.qualification,
                                   assessor=membership.user, tier=form.cleaned_data["tier"],
                                   reason=form.cleaned_data["reason"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s is now in the %(tier)s tier, with your reason recorded.")
                         % {"name": membership.user, "tier": form.cleaned_data["tier"]})
    return redirect("iqa_assessor_risk", pk=strategy.pk)


@role_required(Role.MODERATOR)
@require_POST
def iqa_risk_override_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_strategy_for(request, pk)
    form = WithdrawForm(request.POST)
    override = (AssessorRiskOverride.objects.select_related("centre", "assessor").filter(
        centre=strategy.centre, qualification=strategy.qualification, pk=form.cleaned_data["override"]).first()
        if form.is_valid() else None)
    if override is None:
        messages.error(request, _("That override does not exist."))
        return redirect("iqa_assessor_risk", pk=strategy.pk)
    try:
        services.risk_override_withdraw(override=override, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Override withdrawn: %(name)s is back in their computed tier.")
                         % {"name": override.assessor})
    return redirect("iqa_assessor_risk", pk=strategy.pk)
