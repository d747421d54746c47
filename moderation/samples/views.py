"""Sampling pages: the moderator's queue, a plan item, a sample (record, sign, second signature, actions), and
the assessor's own samples. Learners never reach any of it; other centres get 404. An external moderator reads a
plan item and a sample of an enrolment in their grant's scope (`moderation.external.scope`), nothing more."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from ..external import scope
from ..models import PlanItem, Sample, SampleAction
from . import selectors, services
from .forms import (
    QUEUE_STATUS_CHOICES,
    ActionDoneForm,
    ActionReopenForm,
    QueueFilterForm,
    SampleRecordForm,
    SignForm,
    check_rows,
)
from .snapshot import snapshot_changes

OVERSEERS = (Role.MODERATOR, Role.CENTRE_ADMIN)
READERS = (*OVERSEERS, Role.EXTERNAL_MODERATOR)
QUEUE_ORDER = ("overdue", "in_progress", "not_started", "signed")  # what needs doing first


# --- Access ---------------------------------------------------------------------------------------------

def get_plan_item_for(request: HttpRequest, pk: int) -> PlanItem:
    items = PlanItem.objects.filter(pk=pk, plan__centre=request.leap.centre, removed_at__isnull=True)
    item = (scope.plan_items(request, items)
            .select_related("plan__strategy__qualification", "enrolment__learner", "enrolment__centre",
                            "enrolment__version", "unit", "assessor", "moderator").first())
    if item is None:
        raise Http404
    return item


def get_sample_for(request: HttpRequest, pk: int) -> Sample:
    """A sample of the current centre, for its moderators and centre admins (and an EQA, in scope)."""
    sample = (scope.of_enrolments(request, Sample.objects.filter(pk=pk, centre=request.leap.centre))
              .select_related("enrolment__learner", "enrolment__centre", "enrolment__version", "unit", "assessor",
                              "moderator", "second_signed_by", "plan_item", "resample_of", "centre").first())
    if sample is None:
        raise Http404
    return sample


def get_own_sample_for(request: HttpRequest, pk: int) -> Sample:
    """A signed sample of the assessor's own work."""
    sample = Sample.objects.filter(pk=pk, centre=request.leap.centre, assessor=request.user,
                                   status__in=selectors.DONE).select_related("centre").first()
    if sample is None:
        raise Http404
    return sample


def get_action_for(request: HttpRequest, pk: int, *, own: bool = False) -> SampleAction:
    actions = SampleAction.objects.filter(pk=pk, sample__centre=request.leap.centre)
    if own:
        actions = actions.filter(owner=request.user, sample__status__in=selectors.DONE)
    action = actions.select_related("sample__centre").first()
    if action is None:
        raise Http404
    return action


def _refused(request: HttpRequest, error: ServiceError) -> None:
    messages.error(request, str(error))


# --- The queue and a plan item --------------------------------------------------------------------------

@role_required(*OVERSEERS)
@require_safe
def iqa_queue(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    assessors = selectors.queue_assessors(centre=centre)
    form = QueueFilterForm(request.GET or None, assessors=assessors)
    chosen = form.cleaned_data if form.is_valid() else {}
    everyone = request.leap.has(Role.CENTRE_ADMIN)
    rows = selectors.queue_items(centre=centre, moderator=None if everyone else request.user,
                                 assessor_id=chosen.get("assessor"))
    status = chosen.get("status", "")
    labels = dict(QUEUE_STATUS_CHOICES)
    for row in rows:
        row.queue_status_label = labels[row.queue_status]
    counts = [(key, labels[key], sum(row.queue_status == key for row in rows)) for key in selectors.QUEUE_STATUSES]
    items = sorted((row for row in rows if not status or row.queue_status == status),
                   key=lambda row: QUEUE_ORDER.index(row.queue_status))
    return render(request, "moderation/iqa_queue.html", {
        "form": form, "items": items, "everyone": everyone, "counts": counts, "chosen_status": status,
        "chosen_assessor": chosen.get("assessor") or "", "filtered": bool(status or chosen.get("assessor"))})


@role_required(*READERS)
@require_safe
def iqa_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_plan_item_for(request, pk)
    samples = selectors.samples_of_item(item)
    open_sample = next((s for s in samples if s.status in selectors.OPEN), None)
    return render(request, "moderation/iqa_item.html", {
        "item": item, "samples": samples, "open_sample": open_sample,
        "may_start": request.leap.has(Role.MODERATOR) and open_sample is None and not samples,
        "unit": selectors.unit_under_review(enrolment=item.enrolment, unit=item.unit)})


@role_required(Role.MODERATOR)
@require_POST
def iqa_item_start(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_plan_item_for(request, pk)
    try:
        sample = services.sample_start(plan_item=item, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
        return redirect("iqa_item", pk=item.pk)
    messages.success(request, _("Sample #%(n)s started: what you see now is recorded in the audit trail.")
                     % {"n": sample.pk})
    return redirect("iqa_sample", pk=sample.pk)


# --- A sample -------------------------------------------------------------------------------------------

def _sample_page(request: HttpRequest, sample: Sample, *, form: SampleRecordForm | None = None,
                 sign_form: SignForm | None = None, status: int = 200) -> HttpResponse:
    mine = sample.moderator_id == request.user.pk
    editable = mine and sample.status == Sample.Status.STARTED
    may_second = (sample.status == Sample.Status.AWAITING_SECOND and not mine
                  and request.user.pk != sample.assessor_id
                  and request.leap.has(Role.MODERATOR, Role.CENTRE_ADMIN))
    return render(request, "moderation/iqa_sample.html", {
        "sample": sample, "changes": snapshot_changes(sample),
        "form": (form or SampleRecordForm(sample=sample)) if editable else None,
        "sign_form": sign_form or SignForm(), "may_sign": editable and bool(sample.outcome), "may_second": may_second,
        "may_close": request.leap.has(Role.MODERATOR) and request.user.pk != sample.assessor_id,
        "may_resample": request.leap.has(Role.MODERATOR) and sample.status in selectors.DONE,
        "actions": list(sample.actions.select_related("closed_by")), "reopen_form": ActionReopenForm(),
        "criteria_sampled": list(sample.criteria_sampled.order_by("position")), "check_rows": check_rows(sample),
        "resamples": list(sample.resamples.order_by("started_at")),
        "unit": selectors.unit_under_review(enrolment=sample.enrolment, unit=sample.unit)}, status=status)


@role_required(*READERS)
@require_safe
def iqa_sample(request: HttpRequest, pk: int) -> HttpResponse:
    return _sample_page(request, get_sample_for(request, pk))


@role_required(Role.MODERATOR)
@require_POST
def iqa_sample_record(request: HttpRequest, pk: int) -> HttpResponse:
    sample = get_sample_for(request, pk)
    form = SampleRecordForm(request.POST, sample=sample)
    if not form.is_valid():
        return _sample_page(request, sample, form=form, status=400)
    try:
        services.sample_record(sample=sample, actor=request.user, **form.service_arguments())
    except ServiceError as error:
        form.add_error(None, str(error))
        return _sample_page(request, sample, form=form, status=400)
    messages.success(request, _("Sample record saved. Check it, then sign it below."))
    return redirect("iqa_sample", pk=sample.pk)


def _sign(request: HttpRequest, pk: int, service) -> HttpResponse:
    sample = get_sample_for(request, pk)
    form = SignForm(request.POST)
    try:
        signed = service(sample=sample, actor=request.user,
                         typed_name=form.cleaned_data["typed_name"] if form.is_valid() else "")
    except ServiceError as error:
        _refused(request, error)
        return redirect("iqa_sample", pk=sample.pk)
    if signed.status == Sample.Status.AWAITING_SECOND:
        messages.success(request, _("Signed. The overturned decision now needs a second signature from another "
                                    "moderator or the centre admin."))
    else:
        messages.success(request, _("Signed; the assessor has been told."))
    return redirect("iqa_sample", pk=sample.pk)


@role_required(Role.MODERATOR)
@require_POST
def iqa_sample_sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _sign(request, pk, services.sample_sign)


@role_required(*OVERSEERS)
@require_POST
def iqa_sample_second_sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _sign(request, pk, services.sample_second_sign)


@role_required(Role.MODERATOR)
@require_POST
def iqa_sample_resample(request: HttpRequest, pk: int) -> HttpResponse:
    earlier = get_sample_for(request, pk)
    try:
        sample = services.sample_start(resample_of=earlier, actor=request.user)
    except ServiceError as error:
        _refused(request, error)
        return redirect("iqa_sample", pk=earlier.pk)
    messages.success(request, _("Re-sample #%(n)s started; it links to sample #%(old)s.")
                     % {"n": sample.pk, "old": earlier.pk})
    return redirect("iqa_sample", pk=sample.pk)


# --- Actions --------------------------------------------------------------------------------------------

@role_required(Role.MODERATOR)
@require_POST
def iqa_action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request, pk)
    try:
        services.action_close(action=action, actor=request.user)
        messages.success(request, _("Action closed."))
    except ServiceError as error:
        _refused(request, error)
    return redirect("iqa_sample", pk=action.sample_id)


@role_required(Role.MODERATOR)
@require_POST
def iqa_action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request, pk)
    form = ActionReopenForm(request.POST)
    try:
        services.action_reopen(action=action, actor=request.user,
                               reason=form.cleaned_data["reason"] if form.is_valid() else "")
        messages.success(request, _("Action sent back to the assessor."))
    except ServiceError as error:
        _refused(request, error)
    return redirect("iqa_sample", pk=action.sample_id)


# --- The assessor's side --------------------------------------------------------------------------------

@role_required(Role.ASSESSOR)
@require_safe
def iqa_my_samples(request: HttpRequest) -> HttpResponse:
    samples = list(selectors.samples_of_assessor(centre=request.leap.centre, assessor=request.user))
    for sample in samples:
        sample.check_rows = check_rows(sample)
    return render(request, "moderation/iqa_my_samples.html", {"samples": samples, "done_form": ActionDoneForm()})


@role_required(Role.ASSESSOR)
@require_POST
def iqa_sample_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    sample = get_own_sample_for(request, pk)
    try:
        services.sample_acknowledge(sample=sample, actor=request.user)
        messages.success(request, _("Acknowledged; the moderator can see that you have read it."))
    except ServiceError as error:
        _refused(request, error)
    return redirect("iqa_my_samples")


@role_required(Role.ASSESSOR)
@require_POST
def iqa_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request, pk, own=True)
    form = ActionDoneForm(request.POST)
    try:
        services.action_mark_done(action=action, actor=request.user,
                                  note=form.cleaned_data["note"] if form.is_valid() else "")
        messages.success(request, _("Marked done; the moderator has been told."))
    except ServiceError as error:
        _refused(request, error)
    return redirect("iqa_my_samples")
