"""Specifications and enrolments built straight through the ORM, for portfolio tests."""

import datetime

from django.utils import timezone

from portfolios import progress_counts
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit


def make_spec(centre, *, code="HOSP-L3", units=3, outcomes=2, criteria=3, frozen=False,
              mandatory_units: int | None = None, credits=10, minimum_credits=0) -> QualificationVersion:
    """A published specification: `units` units of `outcomes` outcomes of `criteria` criteria each."""
    qualification = Qualification.objects.create(centre=centre, code=code)
    version = QualificationVersion.objects.create(
        qualification=qualification, number=1, title=f"{code} Diploma", level="3", framework="RQF",
        total_credits=units * credits, minimum_credits=minimum_credits,
        status=QualificationVersion.Status.PUBLISHED, frozen_at=timezone.now() if frozen else None)
    mandatory_units = units if mandatory_units is None else mandatory_units
    for u in range(units):
        unit = Unit.objects.create(version=version, position=u, code=f"{code}-U{u + 1}", title=f"Unit {u + 1}",
                                   credits=credits, guided_learning_hours=credits * 6,
                                   mandatory=u < mandatory_units)
        position = 0
        for o in range(outcomes):
            outcome = LearningOutcome.objects.create(unit=unit, position=o, number=str(o + 1),
                                                     text=f"Know topic {o + 1} of unit {u + 1}")
            AssessmentCriterion.objects.bulk_create(
                AssessmentCriterion(outcome=outcome, unit=unit, position=position + c, number=f"{o + 1}.{c + 1}",
                                    text=f"Describe point {c + 1}")
                for c in range(criteria))
            position += criteria
    return version


def make_enrolment(learner, assessor, version, *, units=None, start=None, end=None, **extra) -> Enrolment:
    today = timezone.localdate()
    enrolment = Enrolment.objects.create(
        centre=version.qualification.centre, learner=learner, assessor=assessor, version=version,
        start_date=start or today - datetime.timedelta(days=30),
        planned_end_date=end or today + datetime.timedelta(days=335), **extra)
    chosen = units if units is not None else list(version.units.all())
    EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=enrolment, unit=u) for u in chosen)
    progress_counts.refresh([enrolment.pk])  # as enrolment_create does after its bulk insert
    if version.frozen_at is None:
        QualificationVersion.objects.filter(pk=version.pk).update(frozen_at=timezone.now())
    return enrolment
