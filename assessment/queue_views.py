"""The assessor's queue of submitted evidence, and the centre admin's view of every assessor's workload."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.request_cache import page_cache, read_through
from accounts.widgets import QuickForm, QuickSelect
from centres.access import role_required
from centres.models import Role

from . import queue_selectors as selectors

User = get_user_model()

QUEUE_PAGE_SIZE = 50
AGE_CHOICES = [("", _("Any age")), (1, _("Older than 1 day")), (3, _("Older than 3 days")),
               (7, _("Older than 7 days")), (14, _("Older than 14 days"))]


class QueueFilterForm(QuickForm):
    learner = forms.TypedChoiceField(label=_("Learner"), required=False, coerce=int, empty_value=None,
                                     widget=QuickSelect)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None, widget=QuickSelect)
    age = forms.TypedChoiceField(label=_("Waiting"), required=False, coerce=int, empty_value=None,
                                 choices=AGE_CHOICES, widget=QuickSelect)

    def __init__(self, *args, learners, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learner"].choices = [("", _("All learners")), *learners]
        self.fields["unit"].choices = [("", _("All units")), *units]

    def queue_filter(self) -> selectors.QueueFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.QueueFilter(learner=data.get("learner"), unit=data.get("unit"),
                                     older_than_days=data.get("age"))


def _queue_owner(request: HttpRequest):
    """Whose queue: one's own as an assessor; any assessor's of the centre, by `?assessor=`, as its admin."""
    leap = request.leap
    wanted = request.GET.get("assessor")
    if wanted is None or (wanted == str(request.user.pk) and leap.has(Role.ASSESSOR)):
        return request.user if leap.has(Role.ASSESSOR) else None
    if not leap.has(Role.CENTRE_ADMIN) or not wanted.isdigit():
        raise Http404
    if not selectors.may_have_queue(centre=leap.centre, user_id=int(wanted)):
        raise Http404
    return get_object_or_404(User, pk=int(wanted))


@role_required(Role.ASSESSOR, Role.CENTRE_ADMIN)
def assessment_queue(request: HttpRequest) -> HttpResponse:
    owner = _queue_owner(request)
    if owner is None:  # a centre admin who assesses nobody: the workload page is where queues are
        return redirect("assessment_workload")
    centre, now = request.leap.centre, timezone.now()
    learners, units = _queue_choices(request, owner)
    form = QueueFilterForm(request.GET or None, learners=learners, units=units)
    items = selectors.queue(centre=centre, assessor=owner, filters=form.queue_filter(), now=now)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.queue_rows(page.object_list, now=now, overdue_days=centre.review_reminder_days)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assessment/queue.html", {
        "form": form, "page": page, "rows": rows, "owner": owner, "own": owner.pk == request.user.pk,
        "query": query.urlencode(), "filtered": any(request.GET.get(f) for f in form.fields),
        "overdue_days": centre.review_reminder_days})


def _queue_choices(request: HttpRequest, owner) -> tuple[list, list]:
    """What the filters offer, kept under the queue owner's generation: every change of their learners' portfolios
    (a submission, a decision, a learner renamed) replaces it (`portfolios.freshness`). In the page's one round
    trip to the cache."""
    centre = request.leap.centre
    name = f"queue:choices:{centre.pk}"
    return read_through(name, owner.pk, lambda: selectors.queue_choices(centre=centre, assessor=owner),
                        fetched=page_cache(request, reads=[(name, owner.pk, ())]))


@role_required(Role.CENTRE_ADMIN)
def assessment_workload(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = selectors.workload(centre=request.leap.centre, now=now)
    return render(request, "assessment/workload.html", {
        "rows": rows, "now": now, "turnaround_days": selectors.TURNAROUND_DAYS,
        "recent_days": selectors.RECENT_DECISIONS_DAYS, "waiting_total": sum(r.waiting for r in rows)})
