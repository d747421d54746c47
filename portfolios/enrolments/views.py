from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import get_learner_for, role_required
from centres.forms import ChangeAssessorForm, assessors_of
from centres.models import Membership, Role
from centres.services import ServiceError
from portfolios.access import can_manage, enrolments_visible_to, get_enrolment_for
from portfolios.enrolments import selectors, services
from portfolios.enrolments.forms import CaseloadFilterForm, ChooseQualificationForm, EnrolmentForm, EnrolmentStatusForm
from portfolios.models import Enrolment
from qualifications.models import Qualification

ADMIN, ASSESSOR, LEARNER = Role.CENTRE_ADMIN, Role.ASSESSOR, Role.LEARNER
STAFF = (Role.CENTRE_ADMIN, Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR)
CASELOAD_PAGE_SIZE = 50
NOT_ENROLLED_SHOWN = 10  # on the caseload, the most recently registered; the rest on their own page


@role_required(*STAFF)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_learner_for(request, pk)
    # An external moderator sees only the learner's enrolments in the grant's scope; staff see all of them.
    enrolments = enrolments_visible_to(request) if request.leap.reads_under_grant else Enrolment.objects.filter(
        centre=request.leap.centre)
    enrolments = selectors.with_progress_counts(
        enrolments.filter(learner=membership.user).select_related("version__qualification", "assessor"))
    return render(request, "portfolios/learner_detail.html", {
        "membership": membership,
        "enrolments": [(e, selectors.percent(e.criteria_met, e.criteria_total)) for e in enrolments],
        "assessor_form": ChangeAssessorForm(initial={"assessor": membership.assessor}, centre=request.leap.centre),
        "may_enrol": request.leap.has(ADMIN) or membership.assessor_id == request.user.pk,
    })


@role_required(ADMIN, ASSESSOR)
def enrolment_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_learner_for(request, pk, write=True)
    centre = request.leap.centre
    choose = ChooseQualificationForm(request.GET if "version" in request.GET else None, centre=centre)
    if not choose.is_valid():
        return render(request, "portfolios/enrolment_choose.html", {"membership": membership, "form": choose})
    version = choose.cleaned_data["version"]
    form = EnrolmentForm(posted(request), version=version, centre=centre,
                         initial=EnrolmentForm.initial_for(version, membership.assessor))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(learner_membership=membership, version=version, actor=request.user,
                                         units=list(form.cleaned_data["units"]), **{
                                             k: form.cleaned_data[k]
                                             for k in ("start_date", "planned_end_date", "assessor", "moderator")})
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is enrolled on %(qualification)s.")
                             % {"name": membership.user, "qualification": version.title})
            return redirect("enrolment_detail", pk=enrolment.pk)
    return render(request, "portfolios/enrolment_create.html",
                  {"membership": membership, "version": version, "form": form})


def _learner_membership_pk(enrolment: Enrolment) -> int | None:
    return (Membership.objects.filter(user=enrolment.learner, centre=enrolment.centre, role=Role.LEARNER)
            .values_list("pk", flat=True).first())


@role_required(*STAFF, LEARNER)
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    progress = selectors.enrolment_progress(Enrolment.objects.filter(pk=enrolment.pk))[0]
    manage = can_manage(request, enrolment)
    return render(request, "portfolios/enrolment_detail.html", {
        "enrolment": enrolment, "progress": progress, "may_manage": manage,
        "status_form": EnrolmentStatusForm() if manage else None,
        "learner_membership_pk": _learner_membership_pk(enrolment) if request.leap.has(*STAFF) else None,
    })


@role_required(ADMIN, ASSESSOR)
@require_POST
def enrolment_status(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    form = EnrolmentStatusForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.enrolment_change_status(enrolment=enrolment, actor=request.user, status=data["status"],
                                             return_date=data["return_date"], reason=data["reason"])
            messages.success(request, _("The enrolment is now %(status)s.") % {
                "status": enrolment.get_status_display().lower()})
        except ServiceError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("enrolment_detail", pk=enrolment.pk)


@role_required(*STAFF)
def caseload(request: HttpRequest) -> HttpResponse:
    leap = request.leap
    whole_centre = leap.has(ADMIN, Role.MODERATOR, Role.EXTERNAL_MODERATOR)
    assessors = None
    if whole_centre:
        assessors = assessors_of(leap.centre)
    form = CaseloadFilterForm(request.GET or None, assessors=assessors,
                              qualifications=Qualification.objects.filter(centre=leap.centre))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseloadFilter(
        qualification=data.get("qualification"), status=data.get("status") or "",
        behind_only=bool(data.get("behind")), assessor=data.get("assessor"), search=data.get("q") or "",
        sort=data.get("sort") or "learner", descending=data.get("order") == "desc")
    enrolments = enrolments_visible_to(request) if whole_centre else Enrolment.objects.filter(
        centre=leap.centre, assessor=request.user)
    rows = selectors.caseload(enrolments=enrolments, filters=filters)
    # Learners with no enrolment are in no grant's scope: an external moderator is not shown them. The caseload
    # shows the most recently registered few; the rest are a link away.
    not_enrolled, not_enrolled_count = [], 0
    if not leap.reads_under_grant:
        waiting = selectors.learners_not_enrolled(centre=leap.centre, assessor=None if whole_centre else request.user)
        not_enrolled = list(waiting.order_by("-created_at", "pk")[:NOT_ENROLLED_SHOWN + 1])
        not_enrolled_count = len(not_enrolled) if len(not_enrolled) <= NOT_ENROLLED_SHOWN else waiting.count()
        not_enrolled = not_enrolled[:NOT_ENROLLED_SHOWN]
    page = Paginator(rows, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portfolios/caseload.html", {
        "form": form, "page": page, "count": len(rows), "whole_centre": whole_centre, "not_enrolled": not_enrolled,
        "not_enrolled_count": not_enrolled_count,
        "behind_count": rows.behind, "query": query.urlencode(),
        "behind_margin": settings.LEAP_BEHIND_SCHEDULE_MARGIN})


@role_required(ADMIN, ASSESSOR, Role.MODERATOR)
def caseload_not_enrolled(request: HttpRequest) -> HttpResponse:
    """Every learner registered here with no enrolment yet (an assessor: their own), by name, fifty a page."""
    leap = request.leap
    whole_centre = leap.has(ADMIN, Role.MODERATOR)
    learners = selectors.learners_not_enrolled(centre=leap.centre, assessor=None if whole_centre else request.user)
    page = Paginator(learners.select_related("assessor"), 50).get_page(request.GET.get("page"))
    return render(request, "portfolios/caseload_not_enrolled.html", {"page": page, "whole_centre": whole_centre})
