"""Scenario: generating the IQA sampling plan of a large centre, and its CAMERA coverage page.

2,000 learners of 40 assessors (50 each), each on 12 units; every unit assessed through one accepted evidence item
claiming its 4 criteria (96,000 decisions), half of the units signed off, 5 % of the items resubmitted after a return;
7 methods, 5 places (spelt in two cases). Tiers: 4 assessors overridden to high, 12 to medium, the rest low.
Everything is written in bulk straight through the ORM.
"""

import datetime
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import CriterionDecision, Review
from centres.models import Membership, Role
from leap import demo
from moderation.models import DEFAULT_TIER_RATES, AssessorRiskOverride, SamplingStrategy, TierRate
from moderation.plans.services import sampling_plan_generate
from portfolios import progress_counts
from portfolios.models import Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceSubmission

from ._assessment import _client, _specification
from ._measure import Row, page_rows

User = get_user_model()

PLAN_LEARNERS, PLAN_ASSESSORS, PLAN_UNITS, PLAN_CRITERIA = 2000, 40, 12, 4
PLAN_DECISIONS = PLAN_LEARNERS * PLAN_UNITS * PLAN_CRITERIA
METHODS = ("observation", "professional_discussion", "product", "witness_testimony", "written_assignment",
           "questioning", "rpl")
PLACES = ("Training kitchen", "Restaurant", "Hotel bar", "Front desk", "Conference suite")


def build_centre(centre, moderator) -> SamplingStrategy:
    version = _specification(centre, "BENCH-IQA", PLAN_UNITS, PLAN_CRITERIA)
    assessors = User.objects.bulk_create(User(email=f"iqa-assessor{i:02d}@bench.leap.test", first_name="Assessor",
                                              last_name=f"{i:02d}") for i in range(PLAN_ASSESSORS))
    Membership.objects.bulk_create(Membership(user=u, centre=centre, role=Role.ASSESSOR) for u in assessors)
    Membership.objects.filter(user__in=assessors).update(created_at=timezone.now() - datetime.timedelta(days=1000))
    learners = User.objects.bulk_create(User(email=f"iqa-learner{i:04d}@bench.leap.test", first_name="Learner",
                                             last_name=f"{i:04d}") for i in range(PLAN_LEARNERS))
    Membership.objects.bulk_create(
        (Membership(user=u, centre=centre, role=Role.LEARNER, assessor=assessors[i % PLAN_ASSESSORS],
                    age_band=("16-18", "19-24", "25-49", "")[i % 4], gender=("female", "male", "")[i % 3])
         for i, u in enumerate(learners)), batch_size=1000)
    today = timezone.localdate()
    enrolments = Enrolment.objects.bulk_create(
        (Enrolment(centre=centre, learner=u, version=version, assessor=assessors[i % PLAN_ASSESSORS],
                   start_date=today - datetime.timedelta(days=30 * (1 + i % 14)),
                   planned_end_date=today + datetime.timedelta(days=300)) for i, u in enumerate(learners)),
        batch_size=1000)
    units = list(version.units.order_by("position"))
    criteria = {u.pk: list(u.criteria.order_by("position")) for u in units}
    now = timezone.now()
    pairs = [(e, u, n) for n, (e, u) in enumerate((e, u) for e in enrolments for u in units)]
    EnrolmentUnit.objects.bulk_create((EnrolmentUnit(enrolment=e, unit=u) for e, u, _n in pairs), batch_size=5000)
    progress_counts.refresh(e.pk for e in enrolments)
    evidence = Evidence.objects.bulk_create(
        (Evidence(enrolment=e, title=f"{u.code} work", method=METHODS[n % len(METHODS)],
                  activity_place=(PLACES[n % len(PLACES)] if n % 3 else PLACES[n % len(PLACES)].upper()),
                  status=Evidence.Status.ACCEPTED, submitted_at=now - datetime.timedelta(days=10))
         for e, u, n in pairs), batch_size=5000)
    EvidenceCriterion.objects.bulk_create(
        (EvidenceCriterion(evidence=ev, criterion=c, unit=u) for ev, (_e, u, _n) in zip(evidence, pairs, strict=True)
         for c in criteria[u.pk]), batch_size=10000)
    submissions = EvidenceSubmission.objects.bulk_create(
        (EvidenceSubmission(evidence=ev, number=1 + (n % 20 == 0), submitted_at=ev.submitted_at, title=ev.title)
         for ev, (_e, _u, n) in zip(evidence, pairs, strict=True)), batch_size=5000)
    reviews = Review.objects.bulk_create(
        (Review(submission=s, assessor_id=e.assessor_id, outcome=Review.Outcome.ACCEPTED, decided_at=s.submitted_at)
         for s, (e, _u, _n) in zip(submissions, pairs, strict=True)), batch_size=5000)
    CriterionDecision.objects.bulk_create(
        (CriterionDecision(review=r, enrolment=e, unit=u, criterion=c, met=True, decided_at=r.decided_at)
         for r, (e, u, _n) in zip(reviews, pairs, strict=True) for c in criteria[u.pk]), batch_size=10000)
    # Signed off last (PostgreSQL refuses evidence on a locked unit): the units at odd positions, half of all.
    EnrolmentUnit.objects.filter(enrolment__version=version, unit__position__in=range(1, PLAN_UNITS, 2)).update(
        locked_at=now - datetime.timedelta(days=2))
    strategy = SamplingStrategy.objects.create(
        centre=centre, qualification=version.qualification, status=SamplingStrategy.Status.APPROVED,
        created_by=moderator, approved_by=moderator, approved_name=str(moderator), approved_at=now)
    TierRate.objects.bulk_create(TierRate(strategy=strategy, tier=t, **r) for t, r in DEFAULT_TIER_RATES.items())
    AssessorRiskOverride.objects.bulk_create(
        AssessorRiskOverride(centre=centre, qualification=version.qualification, assessor=a, set_by=moderator,
                             tier="high" if i < 4 else "medium" if i < 16 else "low", reason="bench")
        for i, a in enumerate(assessors))
    return strategy


def _timed_generate(strategy, moderator):
    year = strategy.cycle_start_year_of(timezone.localdate())
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        plan = sampling_plan_generate(strategy=strategy, cycle_start_year=year, actor=moderator)
        seconds = time.perf_counter() - start
    return plan, seconds, len(captured)


def plan_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    moderator = User.objects.get(email=demo.MODERATOR_EMAIL)
    start = time.perf_counter()
    with transaction.atomic():
        strategy = build_centre(centre, moderator)
    built = time.perf_counter() - start
    plan, first_s, first_q = _timed_generate(strategy, moderator)
    again, second_s, second_q = _timed_generate(strategy, moderator)
    items = plan.summary["counts"]["items"]
    what = (f"sampling_plan_generate ({PLAN_LEARNERS:,} learners, {PLAN_ASSESSORS} assessors, {PLAN_UNITS} units, "
            f"{PLAN_DECISIONS:,} decisions; {items:,} items): load the population, assessor risk, draw, write items "
            "and audit")
    regen = f"regenerate the same cycle (plan #2, same seed, diff {len(again.summary['diff']['added'])} added / " \
            f"{len(again.summary['diff']['removed'])} removed)"
    url = f"/moderation/plans/{again.pk}/camera/"
    return ([Row(scenario, f"bulk-create the centre ({PLAN_DECISIONS:,} decisions)", "total", round(built, 2), "s"),
             Row(scenario, what, "wall time", round(first_s, 2), "s"),
             Row(scenario, what, "queries", first_q, "queries"),
             Row(scenario, regen, "wall time", round(second_s, 2), "s"),
             Row(scenario, regen, "queries", second_q, "queries")]
            + page_rows(scenario, f"{url} (CAMERA, {PLAN_ASSESSORS} assessors x {PLAN_UNITS} units) as moderator",
                        _client(moderator), url, repeats=7))
