"""Assessed work for sampling plan tests, written straight through the ORM: accepted evidence with a method and a
place, its review and decisions, and (for summative work) the unit signed off."""

import datetime

from django.utils import timezone

from assessment.models import CriterionDecision, Review
from centres.models import Membership, Role
from moderation.models import DEFAULT_TIER_RATES, SamplingStrategy, TierRate
from portfolios.models import EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceSubmission
from tests.factories import learner as make_learner
from tests.factories import staff
from tests.portfolios.factories import make_enrolment, make_spec

METHODS = ("observation", "product", "questioning")
PLACES = ("Kitchen", "Restaurant")


def approved_strategy(centre, qualification, moderator, **fields) -> SamplingStrategy:
    strategy = SamplingStrategy.objects.create(
        centre=centre, qualification=qualification, status=SamplingStrategy.Status.APPROVED, created_by=moderator,
        approved_by=moderator, approved_name=str(moderator), approved_at=timezone.now(), **fields)
    TierRate.objects.bulk_create(TierRate(strategy=strategy, tier=tier, **rates)
                                 for tier, rates in DEFAULT_TIER_RATES.items())
    return strategy


def assess(enrolment, unit, assessor, *, method: str, place: str, signed_off: bool, resubmitted: bool = False,
           when: datetime.datetime | None = None) -> Evidence:
    """One accepted evidence item claiming every criterion of `unit`, decided met by `assessor`."""
    when = when or timezone.now() - datetime.timedelta(days=3)
    criteria = list(unit.criteria.all())
    evidence = Evidence.objects.create(enrolment=enrolment, title=f"{unit.code} {method}", method=method,
                                       activity_place=place, status=Evidence.Status.ACCEPTED, submitted_at=when)
    EvidenceCriterion.objects.bulk_create(EvidenceCriterion(evidence=evidence, criterion=c, unit=unit)
                                          for c in criteria)
    for number in range(1, 3 if resubmitted else 2):
        submission = EvidenceSubmission.objects.create(evidence=evidence, number=number, submitted_at=when,
                                                       title=evidence.title, claimed=[c.pk for c in criteria])
    review = Review.objects.create(submission=submission, assessor=assessor, outcome=Review.Outcome.ACCEPTED,
                                   decided_at=when)
    CriterionDecision.objects.bulk_create(
        CriterionDecision(review=review, enrolment=enrolment, unit=unit, criterion=c, met=True, decided_at=when)
        for c in criteria)
    if signed_off:
        EnrolmentUnit.objects.filter(enrolment=enrolment, unit=unit).update(locked_at=when)
    return evidence


class PlanWorld:
    """A centre's qualification with `assessors` assessors, each with `learners_each` learners on `units` units;
    every unit of every learner assessed, methods and places rotating, odd units signed off, one resubmission per
    assessor."""

    def __init__(self, personas, *, assessors: int = 3, learners_each: int = 2, units: int = 4, code: str = "IQA",
                 start: datetime.date | None = None, **strategy_fields):
        centre = personas.centre
        self.personas, self.centre, self.moderator = personas, centre, personas.moderator
        self.version = make_spec(centre, code=code, units=units, outcomes=1, criteria=2)
        self.units = list(self.version.units.order_by("position"))
        self.assessors = [personas.assessor] + [
            staff(centre, Role.ASSESSOR, first_name=f"Assessor{i}", last_name="Test") for i in range(1, assessors)]
        self.enrolments = []
        n = 0
        for a, assessor in enumerate(self.assessors):
            for i in range(learners_each):
                person = make_learner(centre, assessor, first_name=f"L{a}{i}")
                enrolment = make_enrolment(person, assessor, self.version, start=start)
                self.enrolments.append(enrolment)
                for u, unit in enumerate(self.units):
                    assess(enrolment, unit, assessor, method=METHODS[n % len(METHODS)],
                           place=PLACES[(n // len(METHODS)) % len(PLACES)], signed_off=u % 2 == 0,
                           resubmitted=(i == 0 and u == 1))
                    n += 1
        self.strategy = approved_strategy(centre, self.version.qualification, self.moderator, **strategy_fields)

    def add_learner(self, assessor, *, name: str = "New"):
        person = make_learner(self.centre, assessor, first_name=name)
        enrolment = make_enrolment(person, assessor, self.version)
        for unit in self.units:
            assess(enrolment, unit, assessor, method="observation", place="Kitchen", signed_off=True)
        self.enrolments.append(enrolment)
        return enrolment

    def membership(self, user) -> Membership:
        return Membership.objects.get(user=user, centre=self.centre, role=Role.LEARNER)
