"""Plans, items, samples, actions and observations for the dashboard tests, made straight on the models (the
dashboards read only models)."""

import datetime

from django.utils import timezone

from moderation.models import (
    Observation,
    PlanItem,
    Sample,
    SampleAction,
    SampleKind,
    SamplingPlan,
    SamplingStrategy,
)
from tests.factories import learner
from tests.portfolios.factories import make_enrolment, make_spec


def make_strategy(personas, code="IQA-DASH"):
    version = make_spec(personas.centre, code=code, units=2, outcomes=1, criteria=1)
    strategy = SamplingStrategy.objects.create(centre=personas.centre, qualification=version.qualification,
                                               created_by=personas.moderator, status=SamplingStrategy.Status.APPROVED)
    return version, strategy


def make_plan(strategy, actor, *, today=None, start_year=None, current=True, number=1):
    today = today or timezone.localdate()
    start, end = strategy.cycle_for(start_year if start_year is not None else strategy.cycle_start_year_of(today))
    return SamplingPlan.objects.create(strategy=strategy, centre=strategy.centre, cycle_start=start, cycle_end=end,
                                       number=number, seed="s", current=current, generated_by=actor)


def make_item(plan, enrolment, *, unit=None, moderator=None, kind=SampleKind.SUMMATIVE, assessor=None):
    return PlanItem.objects.create(plan=plan, enrolment=enrolment, unit=unit or enrolment.version.units.first(),
                                   assessor=assessor or enrolment.assessor, kind=kind, reason="rate: tier=high",
                                   moderator=moderator)


def make_sample(item, moderator, *, status=Sample.Status.SIGNED, outcome=Sample.Outcome.AGREE):
    return Sample.objects.create(centre=item.plan.centre, plan_item=item, enrolment=item.enrolment, unit=item.unit,
                                 assessor=item.assessor, moderator=moderator, kind=item.kind, status=status,
                                 outcome=outcome if status != Sample.Status.STARTED else "",
                                 signed_at=timezone.now() if status != Sample.Status.STARTED else None)


def make_action(sample, *, due, status=SampleAction.Status.OPEN, text="Give developmental feedback"):
    return SampleAction.objects.create(sample=sample, text=text, owner=sample.assessor, due_date=due, status=status)


def make_observation(personas, *, on, assessor=None, moderator=None, status=Observation.Status.SCHEDULED):
    return Observation.objects.create(centre=personas.centre, assessor=assessor or personas.assessor,
                                      moderator=moderator or personas.moderator, scheduled_for=on, status=status)


def learners_with_items(personas, version, plan, count, *, assessor=None, moderator=None):
    """`count` learners of `assessor`, each with one planned item."""
    assessor = assessor or personas.assessor
    items = []
    for _ in range(count):
        enrolment = make_enrolment(learner(personas.centre, assessor), assessor, version)
        items.append(make_item(plan, enrolment, moderator=moderator))
    return items


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
