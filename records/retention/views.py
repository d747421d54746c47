"""Retention pages for a centre admin: the rules (in plain words) and legal holds, and each nightly list of
records due for destruction, approved in two steps (choose, then confirm). Other centres' holds and lists: 404."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from . import selectors, services
from .forms import HoldForm, LiftForm, RuleForm
from .kinds import LEARNER_WORK, Kind
from .models import DestructionBatch, DestructionItem, LegalHold


def get_hold_for(request: HttpRequest, pk: int) -> LegalHold:
    hold = LegalHold.objects.filter(pk=pk, centre=request.leap.centre).first()
    if hold is None:
        raise Http404
    return hold


def get_batch_for(request: HttpRequest, pk: int) -> DestructionBatch:
    batch = DestructionBatch.objects.filter(pk=pk, centre=request.leap.centre).select_related("centre",
                                                                                            "approved_by").first()
    if batch is None:
        raise Http404
    return batch


def _rule_forms(request: HttpRequest, centre) -> list[RuleForm]:
    labels = dict(Kind.choices)
    return [RuleForm(posted(request), instance=rule, prefix=rule.kind, kind_label=labels[rule.kind],
                     learner_work=rule.kind in LEARNER_WORK)
            for rule, _words in selectors.rule_rows(centre)]


@role_required(Role.CENTRE_ADMIN)
def retention_rules(request: HttpRequest) -> HttpResponse:
    """The centre's rules, one per kind of record, its legal holds and its lists of records due."""
    centre = request.leap.centre
    forms = _rule_forms(request, centre)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        try:
            with transaction.atomic():
                for form in forms:
                    data = form.cleaned_data
                    services.rule_update(centre=centre, kind=form.instance.kind, actor=request.user,
                                         years_after_end=data["years_after_end"],
                                         years_after_eqa=data.get("years_after_eqa"),
                                         keep_until_date=data["keep_until_date"])
        except ServiceError as error:
            forms[0].add_error(None, str(error))
        else:
            messages.success(request, _("The retention rules are saved."))
            return redirect("retention_rules")
    return render(request, "records/retention/rules.html", {
        "rules": selectors.rule_rows(centre), "rule_forms": forms,
        "holds": selectors.active_holds(centre),
        "hold_form": HoldForm(learners=selectors.centre_learners(centre)),
        "batches": selectors.batches(centre),
    })


@role_required(Role.CENTRE_ADMIN)
@require_POST
def retention_hold_place(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    form = HoldForm(request.POST, learners=selectors.centre_learners(centre))
    if form.is_valid():
        try:
            services.hold_place(centre=centre, learner=form.cleaned_data["learner"],
                                reason=form.cleaned_data["reason"], actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The legal hold is placed: nothing it covers will be destroyed."))
    else:
        messages.error(request, _("Choose who the hold covers and say why."))
    return redirect("retention_rules")


@role_required(Role.CENTRE_ADMIN)
@require_POST
def retention_hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_hold_for(request, pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold can be lifted."))
        return redirect("retention_rules")
    try:
        services.hold_lift(hold=hold, reason=form.cleaned_data["reason"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The legal hold is lifted."))
    return redirect("retention_rules")


def _choices(request: HttpRequest, items: list[DestructionItem]) -> tuple[dict[int, str], list[str]]:
    """What the admin chose: {item id: reason} for each unticked item, and the problems (a reason missing)."""
    kept, problems = {}, []
    for item in items:
        if request.POST.get(f"destroy-{item.pk}") != "on":
            reason = request.POST.get(f"reason-{item.pk}", "").strip()
            kept[item.pk] = reason
            if not reason:
                problems.append(item.pk)
    return kept, problems


@role_required(Role.CENTRE_ADMIN)
def retention_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A list of records due: untick what to keep (with a reason), review, then confirm the destruction."""
    batch = get_batch_for(request, pk)
    items = selectors.batch_items(batch)
    kept, missing, confirming = {}, [], False
    if request.method == "POST":
        if not batch.is_open:
            messages.error(request, _("This list was already approved: nothing was changed."))
            return redirect("retention_batch", batch.pk)
        kept, missing = _choices(request, items)
        if missing:
            messages.error(request, ngettext("Give a reason for the record you keep.",
                                             "Give a reason for each of the %(count)s records you keep.",
                                             len(missing)) % {"count": len(missing)})
        elif request.POST.get("step") == "confirm":
            try:
                services.batch_approve(batch=batch, actor=request.user, kept=kept)
            except ServiceError as error:
                messages.error(request, str(error))
            else:
                destroyed = len(items) - len(kept)
                messages.success(request, ngettext("%(count)s record destroyed; a tombstone records it.",
                                                   "%(count)s records destroyed; a tombstone records each.",
                                                   destroyed) % {"count": destroyed})
            return redirect("retention_batch", batch.pk)
        else:
            confirming = True
    rows = [{"item": item, "keep": item.pk in kept, "reason": kept.get(item.pk, ""), "missing": item.pk in missing}
            for item in items]
    return render(request, "records/retention/batch.html", {
        "batch": batch, "rows": rows, "confirming": confirming,
        "destroy_count": sum(1 for row in rows if not row["keep"]), "keep_count": len(kept),
        "kinds": dict(Kind.choices),
    })
