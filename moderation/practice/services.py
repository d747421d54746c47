"""Observations of assessor practice and standardisation: meetings, their files, and blind co-marking."""

import datetime
from typing import IO

from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from centres.models import STAFF_ROLES, Centre, Membership, Role
from centres.services import ServiceError, has_role
from centres.workflow import check_move, move_status
from moderation.models import (
    CoMarkingExercise,
    CoMarkingJudgement,
    MeetingFile,
    Observation,
    StandardisationMeeting,
)
from moderation.practice.agreement import exercise_agreement
from notifications.services import notify
from portfolios.evidence.files import FileRefused, check_upload, sha256_of
from portfolios.models import Evidence, Method
from qualifications.models import AssessmentCriterion, Qualification

NOT_A_MODERATOR = gettext_lazy("Only a moderator of this centre can do this.")


def _ensure_moderator(actor: User, centre: Centre) -> None:
    if not has_role(actor, centre, Role.MODERATOR):
        raise ServiceError(NOT_A_MODERATOR)


def _ensure_qualification(qualification: Qualification | None, centre: Centre) -> None:
    if qualification is not None and qualification.centre_id != centre.pk:
        raise ServiceError(_("That qualification is not one of this centre's."))


# --- Observations of practice ------------------------------------------------------------------------

def observation_schedule(*, centre: Centre, assessor: User, actor: User, scheduled_for: datetime.date,
                         place: str, learner: User | None = None, method: str = "",
                         qualification: Qualification | None = None) -> Observation:
    _ensure_moderator(actor, centre)
    if not has_role(assessor, centre, Role.ASSESSOR):
        raise ServiceError(_("%(name)s is not an assessor at this centre.") % {"name": assessor})
    if assessor.pk == actor.pk:
        raise ServiceError(_("You cannot observe your own practice: another moderator must."))
    if learner is not None and not has_role(learner, centre, Role.LEARNER):
        raise ServiceError(_("%(name)s is not a learner at this centre.") % {"name": learner})
    if method and method not in Method.values:
        raise ServiceError(_("Choose an assessment method from the list."))
    _ensure_qualification(qualification, centre)
    with transaction.atomic():
        observation = Observation.objects.create(
            centre=centre, assessor=assessor, moderator=actor, learner=learner, scheduled_for=scheduled_for,
            place=place.strip(), method=method, qualification=qualification)
        audit_record(action="observation.scheduled", actor=actor, centre=centre, target=observation,
                     data={"assessor": assessor.email, "scheduled_for": scheduled_for.isoformat(),
                           "place": observation.place, "method": method,
                           "learner": getattr(learner, "email", None),
                           "qualification": getattr(qualification, "code", None)})
        notify(recipient=assessor, kind="observation_scheduled", url=reverse("iqa_observation_list"),
               context={"assessor_name": assessor.first_name, "moderator": str(actor),
                        "date": scheduled_for.isoformat(), "place": observation.place})
    return observation


def _ensure_may_record(observation: Observation, actor: User) -> None:
    if actor.pk != observation.moderator_id and not has_role(actor, observation.centre, Role.MODERATOR):
        raise ServiceError(NOT_A_MODERATOR)


def observation_record(*, observation: Observation, actor: User, checklist: dict[str, tuple[bool, str]],
                       outcome: str, development_points: str) -> Observation:
    """Record what was seen: every checklist item (met or not, with a note), the outcome, development points."""
    _ensure_may_record(observation, actor)
    check_move(observation, Observation.Status.RECORDED,
               refusal=_("Only a scheduled observation can be recorded."))
    if set(checklist) != set(Observation.CHECKLIST):
        raise ServiceError(_("Answer every item of the checklist."))
    if outcome not in Observation.Outcome.values:
        raise ServiceError(_("Choose an outcome."))
    development_points = development_points.strip()
    if outcome != Observation.Outcome.MEETS and not development_points:
        raise ServiceError(_("Write the development points the assessor should work on."))
    with transaction.atomic():
        move_status(observation, Observation.Status.RECORDED)
        observation.checklist = {item: {"ok": bool(ok), "note": note.strip()}
                                 for item, (ok, note) in checklist.items()}
        observation.outcome, observation.development_points = outcome, development_points
        observation.recorded_at = timezone.now()
        observation.save(update_fields=["status", "checklist", "outcome", "development_points", "recorded_at"])
        audit_record(action="observation.recorded", actor=actor, centre=observation.centre, target=observation,
                     data={"assessor": observation.assessor.email, "checklist": observation.checklist,
                           "outcome": outcome, "development_points": development_points})
        notify(recipient=observation.assessor, kind="observation_recorded",
               url=reverse("iqa_observation_detail", args=[observation.pk]),
               context={"assessor_name": observation.assessor.first_name, "moderator": str(actor),
                        "date": observation.scheduled_for.isoformat(),
                        "outcome": str(observation.get_outcome_display())})
    return observation


def observation_cancel(*, observation: Observation, actor: User, reason: str) -> Observation:
    _ensure_may_record(observation, actor)
    check_move(observation, Observation.Status.CANCELLED,
               refusal=_("Only a scheduled observation can be cancelled."))
    with transaction.atomic():
        move_status(observation, Observation.Status.CANCELLED)
        observation.save(update_fields=["status"])
        audit_record(action="observation.cancelled", actor=actor, centre=observation.centre, target=observation,
                     data={"assessor": observation.assessor.email, "reason": reason.strip()})
    return observation


# --- Standardisation meetings ------------------------------------------------------------------------

def meeting_record(*, centre: Centre, actor: User, held_on: datetime.date, title: str, attendees: list[User],
                   minutes: str, decisions: str, qualification: Qualification | None = None
                   ) -> StandardisationMeeting:
    _ensure_moderator(actor, centre)
    _ensure_qualification(qualification, centre)
    staff_ids = set(Membership.objects.current().filter(centre=centre, role__in=STAFF_ROLES)
                    .values_list("user_id", flat=True))
    if strangers := [a for a in attendees if a.pk not in staff_ids]:
        raise ServiceError(_("%(name)s is not a member of staff at this centre.") % {"name": strangers[0]})
    if not title.strip():
        raise ServiceError(_("Give the meeting a title."))
    with transaction.atomic():
        meeting = StandardisationMeeting.objects.create(
            centre=centre, qualification=qualification, held_on=held_on, title=title.strip(), minutes=minutes,
            decisions=decisions, recorded_by=actor)
        meeting.attendees.set(attendees)
        audit_record(action="standardisation.meeting_recorded", actor=actor, centre=centre, target=meeting,
                     data={"held_on": held_on.isoformat(), "title": meeting.title,
                           "attendees": sorted(a.email for a in attendees), "decisions": decisions,
                           "qualification": getattr(qualification, "code", None)})
    return meeting


def meeting_file_attach(*, meeting: StandardisationMeeting, upload: IO[bytes], actor: User,
                        name: str | None = None, size: int | None = None) -> MeetingFile:
    """Check the file by its content as evidence uploads are checked; a refused file stores nothing."""
    _ensure_moderator(actor, meeting.centre)
    name = name or getattr(upload, "name", "") or "file"
    size = upload.size if size is None else size
    try:
        checked = check_upload(upload, name, size)
    except FileRefused as refused:
        raise ServiceError(str(refused)) from refused
    digest = sha256_of(upload)
    upload.seek(0)
    with transaction.atomic():
        attached = MeetingFile(meeting=meeting, original_name=checked.clean_name,
                               content_type=checked.content_type, size=size, sha256=digest)
        attached.file.save(checked.clean_name, File(upload), save=False)
        attached.save()
        audit_record(action="standardisation.file_attached", actor=actor, centre=meeting.centre, target=meeting,
                     data={"file": attached.pk, "name": attached.original_name, "size": size, "sha256": digest})
    return attached


# --- Blind co-marking --------------------------------------------------------------------------------

def co_marking_create(*, centre: Centre, evidence: Evidence, invited: list[User], title: str, actor: User,
                      criteria: list[AssessmentCriterion] | None = None,
                      meeting: StandardisationMeeting | None = None) -> CoMarkingExercise:
    """Invite assessors to judge one evidence item per criterion (by default the criteria it claims)."""
    _ensure_moderator(actor, centre)
    if evidence.enrolment.centre_id != centre.pk:
        raise ServiceError(_("That evidence is not of this centre."))
    if evidence.status == Evidence.Status.DRAFT:
        raise ServiceError(_("Choose submitted evidence: a draft is still the learner's own."))
    invited = list({u.pk: u for u in invited}.values())
    if len(invited) < 2:
        raise ServiceError(_("Invite at least two assessors: agreement needs two judgements or more."))
    assessors = set(Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR)
                    .values_list("user_id", flat=True))
    if strangers := [u for u in invited if u.pk not in assessors]:
        raise ServiceError(_("%(name)s is not an assessor at this centre.") % {"name": strangers[0]})
    if criteria is None:
        criteria = list(evidence.criteria.all())
    elif any(c.unit.version_id != evidence.enrolment.version_id for c in criteria):
        raise ServiceError(_("Choose criteria of the qualification the evidence is for."))
    if not criteria:
        raise ServiceError(_("Choose at least one criterion to judge."))
    if meeting is not None and meeting.centre_id != centre.pk:
        raise ServiceError(_("That meeting is not of this centre."))
    if not title.strip():
        raise ServiceError(_("Give the exercise a title."))
    with transaction.atomic():
        exercise = CoMarkingExercise.objects.create(centre=centre, evidence=evidence, title=title.strip(),
                                                    created_by=actor, meeting=meeting)
        exercise.invited.set(invited)
        exercise.criteria.set(criteria)
        audit_record(action="co_marking.created", actor=actor, centre=centre, target=exercise,
                     subject=evidence.enrolment,
                     data={"evidence": evidence.pk, "title": exercise.title,
                           "invited": sorted(u.email for u in invited), "criteria": sorted(c.pk for c in criteria)})
        url = reverse("iqa_co_marking_judge", args=[exercise.pk])
        for assessor in invited:
            notify(recipient=assessor, kind="co_marking_invited", url=url,
                   context={"assessor_name": assessor.first_name, "moderator": str(actor), "title": exercise.title})
    return exercise


def co_marking_judge(*, exercise: CoMarkingExercise, actor: User,
                     judgements: dict[int, tuple[bool, str]]) -> list[CoMarkingJudgement]:
    """One invited assessor's judgement of every criterion, once; it cannot be changed afterwards."""
    if not exercise.invited.filter(pk=actor.pk).exists():
        raise ServiceError(_("Only the assessors invited to this exercise can judge it."))
    with transaction.atomic():
        exercise = CoMarkingExercise.objects.select_for_update().get(pk=exercise.pk)
        if exercise.status != CoMarkingExercise.Status.OPEN:
            raise ServiceError(_("This exercise is closed: judgements can no longer be added."))
        if CoMarkingJudgement.objects.filter(exercise=exercise, assessor=actor).exists():
            raise ServiceError(_("You have already judged this evidence; your judgement cannot be changed."))
        wanted = set(exercise.criteria.values_list("pk", flat=True))
        if set(judgements) != wanted:
            raise ServiceError(_("Judge every criterion: met or not yet met."))
        made = CoMarkingJudgement.objects.bulk_create(
            CoMarkingJudgement(exercise=exercise, assessor=actor, criterion_id=pk, met=bool(met), note=note.strip())
            for pk, (met, note) in sorted(judgements.items()))
        audit_record(action="co_marking.judged", actor=actor, centre=exercise.centre, target=exercise,
                     data={"judgements": {str(pk): {"met": bool(met), "note": note.strip()}
                                          for pk, (met, note) in sorted(judgements.items())}})
    return made


def co_marking_close(*, exercise: CoMarkingExercise, actor: User) -> CoMarkingExercise:
    """Close the exercise: no more judgements, and the agreement is shown to the invited assessors."""
    _ensure_moderator(actor, exercise.centre)
    with transaction.atomic():
        exercise = CoMarkingExercise.objects.select_for_update().get(pk=exercise.pk)
        move_status(exercise, CoMarkingExercise.Status.CLOSED,
                    refusal=_("This exercise is already closed."))
        exercise.closed_at = timezone.now()
        exercise.save(update_fields=["status", "closed_at"])
        agreement = exercise_agreement(exercise)
        audit_record(action="co_marking.closed", actor=actor, centre=exercise.centre, target=exercise,
                     data={"raters": sorted(u.email for u in agreement.raters), "table": agreement.table,
                           "kappa": _rounded(agreement.kappa), "percent": _rounded(agreement.percent)})
    return exercise


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
