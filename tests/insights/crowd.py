"""A centre of `n` learners with a bit of everything the reports count (statuses, progress, evidence in every
state, decisions with and without countersigning, samples with every outcome, actions, observations, a plan,
EQA reports and action points), built in bulk: the query-count tests run every report over it at two sizes."""

import datetime

from django.utils import timezone

from accounts.models import User
from assessment.models import CriterionDecision, Review
from centres.models import Membership, Role
from moderation.external.reports.models import EqaActionPoint, EqaChecklistItem, EqaRating, EqaReport
from moderation.models import (
    EqaGrant,
    Observation,
    PlanItem,
    Sample,
    SampleAction,
    SampleKind,
    SamplingPlan,
    SamplingStrategy,
)
from portfolios import progress_counts
from portfolios.models import (
    AchievedCriterion,
    Enrolment,
    EnrolmentUnit,
    Evidence,
    EvidenceCriterion,
    EvidenceSubmission,
)
from qualifications.models import AssessmentCriterion
from tests.portfolios.factories import make_spec

STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK,
            Enrolment.Status.COMPLETED, Enrolment.Status.WITHDRAWN)
EVIDENCE = (Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED, Evidence.Status.RETURNED, Evidence.Status.DRAFT)
OUTCOMES = tuple(Sample.Outcome)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def crowd(personas, n: int, *, today: datetime.date, code: str = "CROWD") -> list[Enrolment]:
    centre, assessors = personas.centre, (personas.assessor, personas.second_assessor)
    version = make_spec(centre, code=code, units=2, outcomes=1, criteria=3)
    units = list(version.units.order_by("position"))
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("unit__position", "position"))
    users = User.objects.bulk_create(User(email=f"crowd{i}@{code.lower()}.test", first_name="C", last_name=str(i))
                                     for i in range(n))
    Membership.objects.bulk_create(Membership(user=u, centre=centre, role=Role.LEARNER, assessor=assessors[i % 2])
                                   for i, u in enumerate(users))
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(centre=centre, learner=u, version=version, assessor=assessors[i % 2],
                  start_date=today - datetime.timedelta(days=30 * (i % 12) + 10),
                  planned_end_date=today + datetime.timedelta(days=110 - 30 * (i % 12) + 45 * (i % 9)),
                  status=STATUSES[i % len(STATUSES)],
                  completed_at=_at(today) if STATUSES[i % len(STATUSES)] == Enrolment.Status.COMPLETED else None)
        for i, u in enumerate(users))
    EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=e, unit=u) for e in enrolments for u in units)
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=e, criterion=c, unit_id=c.unit_id)
                                          for i, e in enumerate(enrolments) for c in criteria[: i % 7])
    progress_counts.refresh(e.pk for e in enrolments)
    evidence = Evidence.objects.bulk_create(
        Evidence(enrolment=e, title="Work", status=EVIDENCE[i % 4], activity_place="Kitchen" if i % 2 else "Salon",
                 method="observation", submitted_at=_at(today - datetime.timedelta(days=i % 20)))
        for i, e in enumerate(enrolments))
    EvidenceCriterion.objects.bulk_create(EvidenceCriterion(evidence=ev, criterion=criteria[0], unit=units[0])
                                          for ev in evidence)
    submissions = EvidenceSubmission.objects.bulk_create(
        EvidenceSubmission(evidence=ev, number=1 + i % 2, title="Work",
                           submitted_at=_at(today - datetime.timedelta(days=i % 20)))
        for i, ev in enumerate(evidence) if ev.status != Evidence.Status.DRAFT)
    reviews = Review.objects.bulk_create(
        Review(submission=s, assessor=assessors[i % 2],
               outcome=Review.Outcome.RETURNED if s.evidence.status == Evidence.Status.RETURNED
               else Review.Outcome.ACCEPTED,
               decided_at=min(s.submitted_at + datetime.timedelta(days=i % 16, hours=5), _at(today, 16)),
               needs_countersign=i % 4 == 0, countersigned_at=None)
        for i, s in enumerate(submissions) if s.evidence.status != Evidence.Status.SUBMITTED)
    CriterionDecision.objects.bulk_create(
        CriterionDecision(review=r, enrolment=r.submission.evidence.enrolment, unit=units[0], criterion=criteria[0],
                          met=True, decided_at=r.decided_at) for r in reviews)
    _quality(personas, version, units, enrolments, today)
    # Signed off last: PostgreSQL refuses new records on a locked unit.
    EnrolmentUnit.objects.filter(enrolment__in=enrolments[::3], unit=units[0]).update(locked_at=_at(today))
    return enrolments


def _quality(personas, version, units, enrolments, today):
    centre, moderator = personas.centre, personas.moderator
    strategy = SamplingStrategy.objects.create(centre=centre, qualification=version.qualification,
                                               created_by=moderator, status=SamplingStrategy.Status.APPROVED)
    start, end = strategy.cycle_for(strategy.cycle_start_year_of(today))
    plan = SamplingPlan.objects.create(strategy=strategy, centre=centre, cycle_start=start, cycle_end=end, seed="s",
                                       current=True, generated_by=moderator, summary={"seen": {
                                           "assessor_units": [[personas.assessor.pk, units[0].code, 3]]}})
    items = PlanItem.objects.bulk_create(
        PlanItem(plan=plan, enrolment=e, unit=units[i % 2], assessor=e.assessor, reason="rate: tier=high",
                 kind=SampleKind.INTERIM if i % 2 else SampleKind.SUMMATIVE) for i, e in enumerate(enrolments[1::3]))
    samples = Sample.objects.bulk_create(
        Sample(centre=centre, plan_item=item, enrolment_id=item.enrolment_id, unit=item.unit, assessor=item.assessor,
               moderator=moderator, kind=item.kind, status=Sample.Status.SIGNED, outcome=OUTCOMES[i % 4],
               signed_at=_at(today)) for i, item in enumerate(items[::2]))
    SampleAction.objects.bulk_create(
        SampleAction(sample=s, text="Act", owner=s.assessor, due_date=today + datetime.timedelta(days=i % 5 - 2),
                     status=SampleAction.Status.OPEN if i % 3 else SampleAction.Status.DONE)
        for i, s in enumerate(samples))
    Observation.objects.bulk_create(
        Observation(centre=centre, assessor=a, moderator=moderator, scheduled_for=today + datetime.timedelta(days=d))
        for a in (personas.assessor, personas.second_assessor) for d in (-3, 20))
    grant = EqaGrant.objects.create(centre=centre, email="eqa@crowd.test", moderator=personas.external_moderator,
                                    awarding_body="Body", scope=EqaGrant.Scope.CENTRE, starts_at=_at(today),
                                    expires_at=_at(today + datetime.timedelta(days=14)), created_by=personas.admin)
    item = EqaChecklistItem.objects.create(centre=centre, text="Records")
    for rating in ("red", "amber", "green"):
        report = EqaReport.objects.create(grant=grant, centre=centre, author=personas.external_moderator,
                                          status=EqaReport.Status.SIGNED, visit_date=today)
        EqaRating.objects.create(report=report, item=item, text="Records", rating=rating)
        EqaActionPoint.objects.bulk_create(EqaActionPoint(report=report, centre=centre, text="Do", owner=personas.admin,
                                                          due_date=today) for _ in range(2))
