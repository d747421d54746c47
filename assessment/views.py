from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from portfolios.access import enrolments_visible_to, get_enrolment_for, get_evidence_for
from portfolios.evidence.selectors import duplicate_files
from portfolios.models import EnrolmentUnit, EvidenceSubmission

from . import selectors
from .comment_bank.selectors import snippets_for_review
from .forms import ReviewForm, SignOffForm, UnlockForm
from .models import Review
from .services import (
    SIGN_OFF_DECLARATION,
    UnitAlreadySignedOff,
    review_countersign,
    review_decide,
    review_start,
    unit_sign_off,
    unit_unlock,
)

STAFF = (Role.CENTRE_ADMIN, Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR)


def get_submission_for(request: HttpRequest, pk: int) -> EvidenceSubmission:
    """A submitted revision of an enrolment the person may see (404 otherwise). A revision stays visible to
    staff after the learner withdraws the item, so a late decision is refused with a reason, not a 404."""
    submission = (EvidenceSubmission.objects.filter(pk=pk, evidence__enrolment__in=enrolments_visible_to(request))
                  .select_related("evidence__enrolment__learner", "evidence__enrolment__assessor",
                                  "evidence__enrolment__centre", "evidence__enrolment__version").first())
    if submission is None:
        raise Http404
    return submission


def get_enrolment_unit_for(request: HttpRequest, pk: int, unit_pk: int) -> EnrolmentUnit:
    enrolment = get_enrolment_for(request, pk)
    enrolment_unit = EnrolmentUnit.objects.filter(enrolment=enrolment, unit_id=unit_pk).select_related("unit").first()
    if enrolment_unit is None:
        raise Http404
    enrolment_unit.enrolment = enrolment
    return enrolment_unit


@role_required(*STAFF)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for(request, pk)
    evidence = submission.evidence
    is_assessor = evidence.enrolment.assessor_id == request.user.pk
    review = getattr(submission, "review", None)
    latest = not evidence.submissions.filter(number__gt=submission.number).exists()
    if is_assessor and review is None and latest and not submission.withdrawn_at:
        review = review_start(submission=submission, actor=request.user)
    history = selectors.revision_history(evidence)
    form = None
    if is_assessor and review is not None and not review.decided_at and latest:
        form = ReviewForm(submission=submission, enrolment=evidence.enrolment,
                          earlier=selectors.earlier_decisions(history, submission))
    return render(request, "assessment/review_detail.html",
                  _review_context(request, submission, review, form, history=history))


def _review_context(request, submission, review, form, *, history) -> dict:
    evidence = submission.evidence
    files = list(evidence.files.filter(pk__in=submission.file_ids))
    current = history[-1]  # the newest revision: a review link of an older one says so and points here
    return {
        "submission": submission, "evidence": evidence, "review": review, "form": form, "files": files,
        "duplicates": duplicate_files(files=files, learner=evidence.enrolment.learner),
        "history": history, "current": current if current.pk != submission.pk else None,
        # The comment bank picker, beside the feedback and actions fields (one query).
        "comment_snippets": snippets_for_review(
            centre=evidence.enrolment.centre, user=request.user,
            qualification_id=evidence.enrolment.version.qualification_id) if form else None,
    }


@role_required(Role.ASSESSOR)
@require_POST
def review_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for(request, pk)
    evidence = submission.evidence
    if evidence.enrolment.assessor_id != request.user.pk:
        raise Http404
    review = getattr(submission, "review", None) or review_start(submission=submission, actor=request.user)
    history = selectors.revision_history(evidence)
    form = ReviewForm(request.POST, request.FILES, submission=submission, enrolment=evidence.enrolment,
                      earlier=selectors.earlier_decisions(history, submission))
    if form.is_valid():
        try:
            review_decide(review=review, actor=request.user, **form.service_arguments())
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("review_detail", pk=submission.pk)
        messages.success(request, _("Decision recorded; the learner has been told."))
        return redirect("assessment_queue")
    return render(request, "assessment/review_detail.html",
                  _review_context(request, submission, review, form, history=history))


@role_required(*STAFF, Role.LEARNER)
def review_voice_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor's recorded feedback, for whoever may see the evidence it is about."""
    review = Review.objects.filter(pk=pk).select_related("submission").first()
    if review is None or not review.voice_feedback:
        raise Http404
    get_evidence_for(request, review.submission.evidence_id)
    response = FileResponse(review.voice_feedback.open("rb"), content_type=review.voice_feedback_type or "audio/webm")
    response["Cache-Control"] = "private, max-age=300"
    return response


@role_required(Role.ASSESSOR)
def countersign_queue(request: HttpRequest) -> HttpResponse:
    reviews = selectors.awaiting_countersign(centre=request.leap.centre, exclude_assessor=request.user)
    return render(request, "assessment/countersign_queue.html", {"reviews": reviews})


@role_required(Role.ASSESSOR)
@require_POST
def review_countersign_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = Review.objects.filter(pk=pk, submission__evidence__enrolment__centre=request.leap.centre).first()
    if review is None:
        raise Http404
    try:
        review_countersign(review=review, actor=request.user)
        messages.success(request, _("Countersigned: the decisions now count."))
    except PermissionDenied:
        messages.error(request, _("Only a qualified assessor other than the one who decided can countersign."))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("countersign_queue")


@role_required(*STAFF, Role.LEARNER)
def unit_record(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    enrolment_unit = get_enrolment_unit_for(request, pk, unit_pk)
    enrolment = enrolment_unit.enrolment
    leap = request.leap
    return render(request, "assessment/unit_record.html", {
        "enrolment": enrolment, "enrolment_unit": enrolment_unit,
        "criteria": selectors.unit_criteria_status(enrolment_unit),
        "sign_offs": enrolment_unit.sign_offs.select_related("signed_off_by", "unlocked_by"),
        "may_sign_off": enrolment.assessor_id == request.user.pk and not enrolment_unit.locked_at,
        "may_unlock": bool(enrolment_unit.locked_at) and leap.has(Role.MODERATOR, Role.CENTRE_ADMIN),
        "sign_off_form": SignOffForm(), "unlock_form": UnlockForm(), "declaration": SIGN_OFF_DECLARATION,
    })


@role_required(Role.ASSESSOR)
@require_POST
def unit_sign_off_view(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    enrolment_unit = get_enrolment_unit_for(request, pk, unit_pk)
    form = SignOffForm(request.POST)
    try:
        unit_sign_off(enrolment_unit=enrolment_unit, actor=request.user,
                      declared=form.is_valid() and form.cleaned_data["declared"])
        messages.success(request, _("Unit %(code)s is signed off and locked.") % {"code": enrolment_unit.unit.code})
    except PermissionDenied:
        raise
    except UnitAlreadySignedOff as already:  # a second click: nothing changed
        messages.info(request, str(already))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("unit_record", pk=pk, unit_pk=unit_pk)


@role_required(Role.MODERATOR, Role.CENTRE_ADMIN)
@require_POST
def unit_unlock_view(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    enrolment_unit = get_enrolment_unit_for(request, pk, unit_pk)
    form = UnlockForm(request.POST)
    try:
        unit_unlock(enrolment_unit=enrolment_unit, actor=request.user,
                    reason=form.cleaned_data["reason"] if form.is_valid() else "")
        messages.success(request, _("Unit %(code)s is unlocked; the assessor has been told.")
                         % {"code": enrolment_unit.unit.code})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("unit_record", pk=pk, unit_pk=unit_pk)

