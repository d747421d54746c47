"""Learners built straight through the ORM with a given time used, criteria met, evidence and decision dates and
IQA actions, for the progress, planned end, inactivity and at-risk reports. Today is fixed: TODAY."""

import datetime

from django.utils import timezone

from assessment.models import Review
from moderation.models import Sample, SampleAction, SampleKind
from portfolios import progress_counts
from portfolios.models import AchievedCriterion, Enrolment, Evidence, EvidenceSubmission
from qualifications.models import AssessmentCriterion
from tests.factories import learner
from tests.portfolios.factories import make_enrolment, make_spec

TODAY = datetime.date(2026, 6, 15)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def ten_criteria_spec(personas, code: str = "HOSP-L3"):
    """Two units of five criteria: every learner on it needs 10 criteria."""
    return make_spec(personas.centre, code=code, units=2, outcomes=1, criteria=5)


def learner_on(personas, version, *, start: datetime.date, end: datetime.date, met: int = 0,
               status: str = Enrolment.Status.ACTIVE, assessor=None, name: str = "") -> Enrolment:
    """A new learner enrolled from `start` to `end` with the first `met` criteria achieved."""
    assessor = assessor or personas.assessor
    person = learner(personas.centre, assessor, first_name=name or "Learner", last_name=name or "Test")
    enrolment = make_enrolment(person, assessor, version, start=start, end=end, status=status)
    criteria = AssessmentCriterion.objects.filter(unit__version=version).order_by("unit__position", "position")
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolment, criterion=c, unit_id=c.unit_id)
                                          for c in criteria[:met])
    progress_counts.refresh([enrolment.pk])
    return enrolment


def submit(enrolment: Enrolment, on: datetime.date) -> EvidenceSubmission:
    evidence = Evidence.objects.create(enrolment=enrolment, title="Photo of the task", status=Evidence.Status.SUBMITTED,
                                       submitted_at=at(on))
    return EvidenceSubmission.objects.create(evidence=evidence, number=1, submitted_at=at(on), title=evidence.title)


def decide(submission: EvidenceSubmission, on: datetime.date) -> Review:
    return Review.objects.create(submission=submission, assessor=submission.evidence.enrolment.assessor,
                                 outcome=Review.Outcome.ACCEPTED, decided_at=at(on))


def iqa_action(personas, enrolment: Enrolment, *, status: str = SampleAction.Status.OPEN) -> SampleAction:
    sample = Sample.objects.create(centre=enrolment.centre, enrolment=enrolment,
                                   unit=enrolment.version.units.first(), assessor=enrolment.assessor,
                                   moderator=personas.moderator, kind=SampleKind.INTERIM,
                                   status=Sample.Status.SIGNED, outcome=Sample.Outcome.DISAGREE_ACT)
    return SampleAction.objects.create(sample=sample, text="Give developmental feedback", owner=enrolment.assessor,
                                       due_date=TODAY + days(7), status=status)
