"""Scenario: the IQA dashboard (/moderation/) on the demo centre, then with the plans scenario's 2,000 learners of 40
assessors (its data builder, reused: built here only if that scenario has not run), its generated plan, a third of
the items signed, an action on every fourth signed sample and two scheduled observations per assessor. The query
count must be the same at both sizes."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leap import demo
from moderation.models import Observation, PlanItem, Sample, SampleAction, SamplingPlan, SamplingStrategy
from moderation.plans.services import sampling_plan_generate

from ._assessment import _client
from ._measure import Row, page_rows
from ._plans import PLAN_ASSESSORS, PLAN_LEARNERS, build_centre

User = get_user_model()

DASHBOARD_URL = "/moderation/"


def _bench_strategy(centre, moderator) -> SamplingStrategy:
    strategy = SamplingStrategy.objects.filter(centre=centre, qualification__code="BENCH-IQA",
                                               status=SamplingStrategy.Status.APPROVED).first()
    if strategy is None:
        with transaction.atomic():
            strategy = build_centre(centre, moderator)
    return strategy


def _current_plan(strategy, moderator) -> SamplingPlan:
    today = timezone.localdate()
    start, _end = strategy.cycle_for(strategy.cycle_start_year_of(today))
    plan = SamplingPlan.objects.filter(strategy=strategy, cycle_start=start, current=True).first()
    return plan or sampling_plan_generate(strategy=strategy, cycle_start_year=start.year, actor=moderator)


@transaction.atomic
def _sampling_done(plan, moderator) -> tuple[int, int]:
    """A third of the plan's items signed (written in bulk), an open action on every fourth, and two scheduled
    observations per assessor (one of them overdue). Returns (items, signed)."""
    items = list(PlanItem.objects.filter(plan=plan, removed_at__isnull=True).order_by("pk"))
    if Sample.objects.filter(plan_item__plan=plan).exists():
        return len(items), Sample.objects.filter(plan_item__plan=plan).count()
    now, today = timezone.now(), timezone.localdate()
    samples = Sample.objects.bulk_create(
        (Sample(centre=plan.centre, plan_item=i, enrolment_id=i.enrolment_id, unit_id=i.unit_id,
                assessor_id=i.assessor_id, moderator=moderator, kind=i.kind, status=Sample.Status.SIGNED,
                outcome=Sample.Outcome.AGREE if n % 4 else Sample.Outcome.DISAGREE_ACT, signed_name="Bench",
                signed_at=now) for n, i in enumerate(items[::3])), batch_size=2000)
    SampleAction.objects.bulk_create(
        (SampleAction(sample=s, text="Review the decision", owner_id=s.assessor_id,
                      due_date=today + datetime.timedelta(days=(n % 3) * 7 - 5)) for n, s in enumerate(samples[::4])),
        batch_size=2000)
    assessors = sorted({i.assessor_id for i in items})
    Observation.objects.bulk_create(
        Observation(centre=plan.centre, assessor_id=a, moderator=moderator, status=Observation.Status.SCHEDULED,
                    scheduled_for=today + datetime.timedelta(days=d)) for a in assessors for d in (-3, 20))
    return len(items), len(samples)


def dashboard_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    moderator = User.objects.get(email=demo.MODERATOR_EMAIL)
    admin = User.objects.get(email=demo.ADMIN.email)
    rows = (page_rows(scenario, f"{DASHBOARD_URL} (IQA dashboard, demo centre: 5 learners) as moderator",
                      _client(moderator), DASHBOARD_URL)
            + page_rows(scenario, f"{DASHBOARD_URL} (IQA dashboard, demo centre, every moderator) as centre admin",
                        _client(admin), DASHBOARD_URL))
    strategy = _bench_strategy(centre, moderator)
    items, signed = _sampling_done(_current_plan(strategy, moderator), moderator)
    size = (f"{PLAN_LEARNERS:,} learners, {PLAN_ASSESSORS} assessors, {items:,} plan items, {signed:,} signed, "
            "actions and observations")
    return (rows
            + page_rows(scenario, f"{DASHBOARD_URL} (IQA dashboard: {size}; the whole request) as moderator",
                        _client(moderator), DASHBOARD_URL, repeats=9)
            + page_rows(scenario, f"{DASHBOARD_URL} (IQA dashboard: {size}; every moderator, with the reassignment "
                        "form) as centre admin", _client(admin), DASHBOARD_URL, repeats=9))
