"""Reads for observations and standardisation. Each list is a fixed number of queries, whatever its length."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from centres.models import Centre, Membership, Role
from moderation.models import CoMarkingExercise, CoMarkingJudgement, Observation, StandardisationMeeting
from portfolios.models import Evidence, Method


def observations_for(*, centre: Centre, assessor: User | None = None) -> QuerySet[Observation]:
    """The centre's observations (only `assessor`'s when given), with the people they name."""
    observations = Observation.objects.filter(centre=centre)
    if assessor is not None:
        observations = observations.filter(assessor=assessor)
    return observations.select_related("assessor", "moderator", "learner", "qualification")


@dataclass
class ObservationLists:
    overdue: list[Observation]
    upcoming: list[Observation]
    recorded: list[Observation]
    cancelled: list[Observation]


def observation_lists(*, centre: Centre, today: datetime.date, assessor: User | None = None) -> ObservationLists:
    """Overdue (scheduled before today, oldest first), upcoming (soonest first), recorded and cancelled (newest
    first). One query."""
    lists = ObservationLists([], [], [], [])
    for observation in observations_for(centre=centre, assessor=assessor).order_by("scheduled_for", "pk"):
        with_method_label(observation)
        if observation.status == Observation.Status.SCHEDULED:
            (lists.overdue if observation.scheduled_for < today else lists.upcoming).append(observation)
        elif observation.status == Observation.Status.RECORDED:
            lists.recorded.insert(0, observation)
        else:
            lists.cancelled.insert(0, observation)
    return lists


def with_method_label(observation: Observation) -> Observation:
    observation.method_label = Method(observation.method).label if observation.method in Method.values else ""
    return observation


def observations_due(*, centre: Centre, today: datetime.date) -> QuerySet[Observation]:
    """Scheduled observations whose day has passed without a record: overdue, oldest first."""
    return (observations_for(centre=centre)
            .filter(status=Observation.Status.SCHEDULED, scheduled_for__lt=today).order_by("scheduled_for", "pk"))


def observations_done_by_assessor(*, centre: Centre, cycle_start: datetime.date,
                                  cycle_end: datetime.date) -> dict[int, int]:
    """{assessor id: recorded observations whose day falls in the cycle (both ends included)}. Assessors with
    none are absent. Compare with the tier's `observations_per_year`."""
    rows = (Observation.objects.filter(centre=centre, status=Observation.Status.RECORDED,
                                       scheduled_for__gte=cycle_start, scheduled_for__lte=cycle_end)
            .values("assessor_id").annotate(n=Count("pk")).order_by())
    return {row["assessor_id"]: row["n"] for row in rows}


def attendance(*, centre: Centre, cycle_start: datetime.date, cycle_end: datetime.date) -> dict[int, int]:
    """{person id: standardisation meetings of the centre they attended in the cycle}. Absent: none attended."""
    through = StandardisationMeeting.attendees.through
    rows = (through.objects.filter(standardisationmeeting__centre=centre,
                                   standardisationmeeting__held_on__gte=cycle_start,
                                   standardisationmeeting__held_on__lte=cycle_end)
            .values("user_id").annotate(n=Count("pk")).order_by())
    return {row["user_id"]: row["n"] for row in rows}


@dataclass
class AttendanceRow:
    assessor: User
    meetings: int
    observations: int


def attendance_rows(*, centre: Centre, cycle_start: datetime.date, cycle_end: datetime.date) -> list[AttendanceRow]:
    """Every current assessor of the centre with meetings attended and observations recorded in the cycle, the
    fewest meetings first (who to chase). Three queries."""
    meetings = attendance(centre=centre, cycle_start=cycle_start, cycle_end=cycle_end)
    observed = observations_done_by_assessor(centre=centre, cycle_start=cycle_start, cycle_end=cycle_end)
    assessors = [m.user for m in Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR)
                 .select_related("user").order_by("user__last_name", "user__first_name", "user_id")]
    rows = [AttendanceRow(a, meetings.get(a.pk, 0), observed.get(a.pk, 0)) for a in assessors]
    return sorted(rows, key=lambda r: r.meetings)


def meetings_for(*, centre: Centre) -> QuerySet[StandardisationMeeting]:
    return (StandardisationMeeting.objects.filter(centre=centre).select_related("qualification", "recorded_by")
            .annotate(attendee_count=Count("attendees", distinct=True), file_count=Count("files", distinct=True)))


def meetings_held(*, centre: Centre, cycle_start: datetime.date, cycle_end: datetime.date) -> int:
    return StandardisationMeeting.objects.filter(centre=centre, held_on__gte=cycle_start,
                                                 held_on__lte=cycle_end).count()


def exercises_for(*, centre: Centre, user: User, moderator: bool) -> QuerySet[CoMarkingExercise]:
    """A moderator sees every exercise of the centre; an assessor only those they are invited to. Each carries
    how many invited and how many judged, and whether `user` has judged."""
    exercises = CoMarkingExercise.objects.filter(centre=centre)
    if not moderator:
        exercises = exercises.filter(invited=user)
    return (exercises.select_related("evidence__enrolment__learner", "created_by")
            .annotate(invited_count=Count("invited", distinct=True),
                      judged_count=Count("judgements__assessor", distinct=True),
                      judged_by_me=Exists(CoMarkingJudgement.objects.filter(exercise=OuterRef("pk"), assessor=user))))


def exercise_progress(exercise: CoMarkingExercise) -> list[tuple[User, bool]]:
    """Each invited assessor and whether they have judged yet (never what they judged). One query."""
    judged = Exists(CoMarkingJudgement.objects.filter(exercise=exercise, assessor=OuterRef("pk")))
    return [(u, u.has_judged) for u in exercise.invited.annotate(has_judged=judged)
            .order_by("last_name", "first_name", "pk")]


def recent_evidence(*, centre: Centre, search: str = "", limit: int = 30):
    """Submitted or accepted evidence of the centre to co-mark, newest first; `search` matches the learner's name
    or email, or the evidence title, or an evidence number."""
    evidence = Evidence.objects.filter(enrolment__centre=centre, status__in=[
        Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED])
    if search := search.strip():
        words = Q()
        for word in search.split():
            words &= (Q(enrolment__learner__first_name__icontains=word)
                      | Q(enrolment__learner__last_name__icontains=word)
                      | Q(enrolment__learner__email__icontains=word) | Q(title__icontains=word))
        if search.isdigit():
            words |= Q(pk=int(search))
        evidence = evidence.filter(words)
    return (evidence.select_related("enrolment__learner", "enrolment__assessor", "enrolment__version")
            .annotate(claim_count=Count("claims")).order_by("-submitted_at", "-pk")[:limit])
