"""Observations of practice, standardisation meetings and blind co-marking.

Moderators run them; assessors see their own observations, the meetings, and only the exercises they are
invited to; an external moderator reads, in their grant's scope, the observations, the meetings and the closed
exercises (`moderation.external.scope`); learners have no page here; other centres' objects answer 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from moderation.external import scope
from moderation.models import CoMarkingExercise, MeetingFile, Observation, StandardisationMeeting
from moderation.practice import selectors, services
from moderation.practice.agreement import KAPPA_FORMULA, exercise_agreement
from moderation.practice.forms import (
    CHECKLIST_LABELS,
    CancelForm,
    CoMarkingForm,
    EvidenceSearchForm,
    JudgeForm,
    MeetingFileForm,
    MeetingForm,
    ObservationRecordForm,
    ObservationScheduleForm,
)
from portfolios.evidence.views import INLINE_KINDS, stored_file_response
from portfolios.models import Evidence, EvidenceFile

STAFF = (Role.MODERATOR, Role.ASSESSOR, Role.CENTRE_ADMIN)
EQA = Role.EXTERNAL_MODERATOR


def _is_moderator(request: HttpRequest) -> bool:
    return request.leap.has(Role.MODERATOR)


def get_observation_for(request: HttpRequest, pk: int) -> Observation:
    """An observation of the current centre: any for its moderators, an assessor's own for them, one in scope for
    an external moderator (404 else)."""
    observations = selectors.observations_for(centre=request.leap.centre)
    if scope.eqa_grant(request) is not None:
        observation = scope.observations(request, observations).filter(pk=pk).first()
    else:
        observation = observations.filter(pk=pk).first()
        if observation is not None and not (_is_moderator(request) or observation.assessor_id == request.user.pk):
            observation = None
    if observation is None:
        raise Http404
    return selectors.with_method_label(observation)


def get_meeting_for(request: HttpRequest, pk: int) -> StandardisationMeeting:
    meetings = scope.meetings(request, StandardisationMeeting.objects.filter(centre=request.leap.centre, pk=pk))
    meeting = meetings.select_related("qualification", "recorded_by", "centre").first()
    if meeting is None:
        raise Http404
    return meeting


def get_exercise_for(request: HttpRequest, pk: int) -> CoMarkingExercise:
    """An exercise of the current centre: any for its moderators, for an assessor only one they are invited to."""
    exercises = CoMarkingExercise.objects.filter(centre=request.leap.centre, pk=pk)
    if scope.eqa_grant(request) is not None:  # closed ones of evidence in scope, read-only
        exercises = scope.exercises(request, exercises)
    elif not _is_moderator(request):
        exercises = exercises.filter(invited=request.user)
    exercise = exercises.select_related("evidence__enrolment__learner", "evidence__enrolment__version",
                                        "created_by", "centre").first()
    if exercise is None:
        raise Http404
    return exercise


# --- Observations ------------------------------------------------------------------------------------

@role_required(Role.MODERATOR, Role.ASSESSOR, EQA)
def observation_list(request: HttpRequest) -> HttpResponse:
    centre, eqa = request.leap.centre, scope.eqa_grant(request) is not None
    mine = None if _is_moderator(request) or eqa else request.user
    lists = selectors.observation_lists(centre=centre, today=timezone.localdate(), assessor=mine)
    if eqa:
        readable = set(scope.observations(request, Observation.objects.filter(centre=centre))
                       .values_list("pk", flat=True))
        for rows in (lists.overdue, lists.upcoming, lists.recorded, lists.cancelled):
            rows[:] = [o for o in rows if o.pk in readable]
    return render(request, "moderation/observation_list.html",
                  {"lists": lists, "moderator": mine is None and not eqa, "eqa": eqa})


@role_required(Role.MODERATOR)
def observation_schedule(request: HttpRequest) -> HttpResponse:
    form = ObservationScheduleForm(posted(request), centre=request.leap.centre)
    if request.method == "POST" and form.is_valid():
        try:
            services.observation_schedule(centre=request.leap.centre, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Observation scheduled; the assessor has been told."))
            return redirect("iqa_observation_list")
    return render(request, "moderation/observation_schedule.html", {"form": form})


@role_required(Role.MODERATOR, Role.ASSESSOR, EQA)
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    observation = get_observation_for(request, pk)
    checklist = [(CHECKLIST_LABELS[item], observation.checklist.get(item, {})) for item in Observation.CHECKLIST]
    return render(request, "moderation/observation_detail.html", {
        "observation": observation, "checklist": checklist, "moderator": _is_moderator(request),
        "cancel_form": CancelForm()})


@role_required(Role.MODERATOR)
def observation_record(request: HttpRequest, pk: int) -> HttpResponse:
    observation = get_observation_for(request, pk)
    if observation.status != Observation.Status.SCHEDULED:
        messages.info(request, _("This observation is %(status)s.") % {
            "status": observation.get_status_display().lower()})
        return redirect("iqa_observation_detail", pk=observation.pk)
    form = ObservationRecordForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.observation_record(observation=observation, actor=request.user, **form.service_arguments())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Observation recorded; the assessor has been told."))
            return redirect("iqa_observation_detail", pk=observation.pk)
    return render(request, "moderation/observation_record.html", {"form": form, "observation": observation})


@role_required(Role.MODERATOR)
@require_POST
def observation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    observation = get_observation_for(request, pk)
    form = CancelForm(request.POST)
    try:
        services.observation_cancel(observation=observation, actor=request.user,
                                    reason=form.cleaned_data["reason"] if form.is_valid() else "")
        messages.success(request, _("Observation cancelled."))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("iqa_observation_detail", pk=observation.pk)


# --- Standardisation meetings ------------------------------------------------------------------------

@role_required(*STAFF, EQA)
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = scope.meetings(request, selectors.meetings_for(centre=request.leap.centre))
    return render(request, "moderation/meeting_list.html", {"meetings": meetings, "moderator": _is_moderator(request)})


@role_required(Role.MODERATOR)
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(posted(request), centre=request.leap.centre,
                       initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_record(centre=request.leap.centre, actor=request.user,
                                              **{**data, "attendees": list(data["attendees"])})
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Meeting recorded. You can attach files to it now."))
            return redirect("iqa_meeting_detail", pk=meeting.pk)
    return render(request, "moderation/meeting_create.html", {"form": form})


@role_required(*STAFF, EQA)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    return render(request, "moderation/meeting_detail.html", {
        "meeting": meeting, "attendees": meeting.attendees.order_by("last_name", "first_name"),
        "files": meeting.files.order_by("uploaded_at", "pk"),
        "exercises": meeting.exercises.all() if _is_moderator(request) else [],
        "file_form": MeetingFileForm() if _is_moderator(request) else None})


@role_required(Role.MODERATOR)
@require_POST
def meeting_file_attach(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    form = MeetingFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("iqa_meeting_detail", pk=meeting.pk)
    try:
        attached = services.meeting_file_attach(meeting=meeting, upload=form.cleaned_data["upload"],
                                                actor=request.user)
        messages.success(request, _("“%(name)s” attached.") % {"name": attached.original_name})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("iqa_meeting_detail", pk=meeting.pk)


@role_required(*STAFF, EQA)
def meeting_file(request: HttpRequest, pk: int) -> HttpResponse:
    meetings = scope.meetings(request, StandardisationMeeting.objects.filter(centre=request.leap.centre))
    attached = MeetingFile.objects.filter(pk=pk, meeting__in=meetings).first()
    if attached is None:
        raise Http404
    return stored_file_response(attached.file, content_type=attached.content_type, filename=attached.original_name,
                                inline=False)


@role_required(Role.MODERATOR, Role.CENTRE_ADMIN)
def attendance(request: HttpRequest) -> HttpResponse:
    centre, today = request.leap.centre, timezone.localdate()
    this_cycle = today.year if today >= today.replace(month=8, day=1) else today.year - 1
    try:
        year = int(request.GET.get("cycle", this_cycle))
    except ValueError:
        year = this_cycle
    start, end = today.replace(year=year, month=8, day=1), today.replace(year=year + 1, month=7, day=31)
    return render(request, "moderation/attendance.html", {
        "rows": selectors.attendance_rows(centre=centre, cycle_start=start, cycle_end=end),
        "held": selectors.meetings_held(centre=centre, cycle_start=start, cycle_end=end),
        "cycle_start": start, "cycle_end": end, "previous": year - 1, "next": year + 1 if year < this_cycle else None})


# --- Blind co-marking --------------------------------------------------------------------------------

@role_required(Role.MODERATOR, Role.ASSESSOR, EQA)
def co_marking_list(request: HttpRequest) -> HttpResponse:
    moderator, eqa = _is_moderator(request), scope.eqa_grant(request) is not None
    exercises = selectors.exercises_for(centre=request.leap.centre, user=request.user, moderator=moderator or eqa)
    return render(request, "moderation/co_marking_list.html", {
        "exercises": scope.exercises(request, exercises), "moderator": moderator, "eqa": eqa})


@role_required(Role.MODERATOR)
def co_marking_create(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    evidence = Evidence.objects.filter(
        pk=request.GET.get("evidence") if str(request.GET.get("evidence", "")).isdigit() else None,
        enrolment__centre=centre, status__in=[Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED],
    ).select_related("enrolment__learner", "enrolment__version").first()
    if evidence is None:
        search = EvidenceSearchForm(request.GET)
        q = search.cleaned_data["q"] if search.is_valid() else ""
        return render(request, "moderation/co_marking_pick.html", {
            "search": search, "q": q, "evidence_list": selectors.recent_evidence(centre=centre, search=q)})
    form = CoMarkingForm(posted(request), centre=centre, evidence=evidence,
                         initial={"title": _("Co-marking: %(title)s") % {"title": evidence}})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exercise = services.co_marking_create(centre=centre, evidence=evidence, actor=request.user,
                                                  title=data["title"], invited=list(data["invited"]),
                                                  criteria=list(data["criteria"]))
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Exercise created; the assessors have been invited."))
            return redirect("iqa_co_marking_detail", pk=exercise.pk)
    return render(request, "moderation/co_marking_create.html", {"form": form, "evidence": evidence})


def _evidence_context(exercise: CoMarkingExercise) -> dict:
    evidence = exercise.evidence
    submission = evidence.submissions.order_by("-number").first()
    files = evidence.files.filter(processed_at__isnull=False)
    if submission is not None:
        files = files.filter(pk__in=submission.file_ids)
    return {"evidence": evidence, "submission": submission, "files": list(files)}


@role_required(Role.MODERATOR, Role.ASSESSOR, EQA)
def co_marking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = get_exercise_for(request, pk)
    moderator = _is_moderator(request)
    closed = exercise.status == CoMarkingExercise.Status.CLOSED
    progress = selectors.exercise_progress(exercise)
    return render(request, "moderation/co_marking_detail.html", {
        "exercise": exercise, "moderator": moderator, "closed": closed, "progress": progress,
        "invited": any(u.pk == request.user.pk for u, _ in progress),
        "judged": any(u.pk == request.user.pk and done for u, done in progress),
        "agreement": exercise_agreement(exercise) if closed else None, "formula": KAPPA_FORMULA,
        "criteria": exercise.criteria.select_related("unit").order_by("unit__position", "position")})


@role_required(Role.ASSESSOR)
def co_marking_judge(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = get_exercise_for(request, pk)
    if not exercise.invited.filter(pk=request.user.pk).exists():
        raise Http404
    if exercise.status != CoMarkingExercise.Status.OPEN or exercise.judgements.filter(assessor=request.user).exists():
        return redirect("iqa_co_marking_detail", pk=exercise.pk)
    criteria = list(exercise.criteria.select_related("unit").order_by("unit__position", "position"))
    form = JudgeForm(posted(request), criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.co_marking_judge(exercise=exercise, actor=request.user, judgements=form.judgements())
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Judgement recorded. You will see how the others judged once it closes."))
        return redirect("iqa_co_marking_detail", pk=exercise.pk)
    return render(request, "moderation/co_marking_judge.html",
                  {"exercise": exercise, "form": form, **_evidence_context(exercise)})


@role_required(Role.MODERATOR)
@require_POST
def co_marking_close(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = get_exercise_for(request, pk)
    try:
        services.co_marking_close(exercise=exercise, actor=request.user)
        messages.success(request, _("Exercise closed: the agreement is below."))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("iqa_co_marking_detail", pk=exercise.pk)


@role_required(Role.MODERATOR, Role.ASSESSOR, EQA)
def co_marking_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of the exercise's evidence, for those who may see the exercise (invited assessors need not be the
    learner's assessor, so the portfolio's own file view would refuse them)."""
    exercise = get_exercise_for(request, pk)
    attached = EvidenceFile.objects.filter(pk=file_pk, evidence=exercise.evidence_id,
                                           processed_at__isnull=False).first()
    if attached is None:
        raise Http404
    if not attached.file:
        raise PermissionDenied
    thumbnail = request.GET.get("size") == "thumb" and attached.thumbnail
    return stored_file_response(attached.thumbnail if thumbnail else attached.file,
                                content_type="image/jpeg" if thumbnail else attached.content_type,
                                filename=attached.original_name,
                                inline=bool(thumbnail) or attached.kind in INLINE_KINDS,
                                range_header=request.headers.get("Range", ""))
