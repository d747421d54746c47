import datetime

import pytest
from django.utils import timezone

from insights.reports import quality
from insights.reports.base import Filters
from moderation.external.reports.models import EqaActionPoint, EqaChecklistItem, EqaRating, EqaReport
from moderation.models import EqaGrant, Observation, PlanItem, Sample, SampleAction, SampleKind, SamplingPlan
from portfolios.models import Enrolment
from tests.factories import learner
from tests.moderation.dashboard_world import make_strategy
from tests.portfolios.factories import make_enrolment

from .crowd import crowd

TODAY = datetime.date(2026, 6, 15)  # in the cycle 1 Aug 2025 - 31 Jul 2026
D = datetime.date


def _plan(strategy, personas, *, start_year=2025, number=1, current=True, summary=None):
    start, end = strategy.cycle_for(start_year)
    return SamplingPlan.objects.create(strategy=strategy, centre=personas.centre, cycle_start=start, cycle_end=end,
                                       number=number, seed="s", current=current, generated_by=personas.moderator,
                                       summary=summary or {})


def _item(plan, enrolment, unit, **extra):
    return PlanItem.objects.create(plan=plan, enrolment=enrolment, unit=unit, assessor=enrolment.assessor,
                                   kind=extra.pop("kind", SampleKind.SUMMATIVE), reason="rate: tier=high", **extra)


def _sample(personas, enrolment, unit, *, item=None, status=Sample.Status.SIGNED, **extra):
    return Sample.objects.create(centre=personas.centre, plan_item=item, enrolment=enrolment, unit=unit,
                                 assessor=enrolment.assessor, moderator=personas.moderator,
                                 kind=item.kind if item else SampleKind.SUMMATIVE, status=status,
                                 outcome=Sample.Outcome.AGREE, **extra)


def _action(sample, due, status=SampleAction.Status.OPEN):
    SampleAction.objects.create(sample=sample, text="Act", owner=sample.assessor, due_date=due, status=status)


def _eqa_report(personas, grant, ratings, *, open_points, status=EqaReport.Status.SIGNED, done_points=0):
    report = EqaReport.objects.create(grant=grant, centre=grant.centre, author=personas.external_moderator,
                                      status=status, visit_date=TODAY)
    for n, rating in enumerate(ratings):
        item = EqaChecklistItem.objects.create(centre=grant.centre, position=n, text=f"Criterion {n}")
        EqaRating.objects.create(report=report, item=item, text=item.text, rating=rating)
    for n in range(open_points + done_points):
        EqaActionPoint.objects.create(report=report, centre=grant.centre, text="Do", owner=personas.admin,
                                      due_date=TODAY, status="open" if n < open_points else "done")


def _grant(personas, centre):
    now = timezone.now()
    return EqaGrant.objects.create(centre=centre, email="eqa@body.test", awarding_body="Body",
                                   scope=EqaGrant.Scope.CENTRE, starts_at=now,
                                   expires_at=now + datetime.timedelta(days=14), created_by=personas.admin)


@pytest.fixture
def centre(personas):
    """A qualification of units U1, U2; eA1, eA2 of assessor A, eB1 of assessor B, all started January 2026.

    This cycle's current plan (#2) has i1 eA1 U1 (signed sample: done), i2 eA2 U1 (sample started: not done),
    i3 eB1 U2 interim (no sample), i4 eB1 U1 (removed: not counted), i5 eA2 U2 (signed on the plan #2 replaced:
    done). Last cycle's plan has an item on eA1 (not this cycle: not counted). Planned 4, done 2: 50 %.
    """
    version, strategy = make_strategy(personas, code="QA")
    u1, u2 = version.units.order_by("position")
    a, b = personas.assessor, personas.second_assessor

    def enrol(assessor):
        return make_enrolment(learner(personas.centre, assessor), assessor, version, start=D(2026, 1, 5),
                              end=D(2026, 12, 5))

    e = {"eA1": enrol(a), "eA2": enrol(a), "eB1": enrol(b)}
    replaced = _plan(strategy, personas, number=1, current=False)
    old_item = _item(replaced, e["eA2"], u2)
    _sample(personas, e["eA2"], u2, item=old_item)
    seen = {"assessor_units": [[a.pk, u1.code, 1], [b.pk, u2.code, 1]], "cohorts": [["2026-01", 3]]}
    plan = _plan(strategy, personas, number=2, summary={"seen": seen})
    i1 = _item(plan, e["eA1"], u1)
    _item(plan, e["eA2"], u1)
    _item(plan, e["eB1"], u2, kind=SampleKind.INTERIM)
    _item(plan, e["eB1"], u1, removed_at=timezone.now())
    _item(plan, e["eA2"], u2)
    _item(_plan(strategy, personas, start_year=2024), e["eA1"], u1)
    signed = _sample(personas, e["eA1"], u1, item=i1, process_checks={"records_accurate": {"ok": True, "note": ""}})
    _sample(personas, e["eA2"], u1, item=plan.items.get(enrolment=e["eA2"], unit=u1), status=Sample.Status.STARTED)
    # Actions: open and overdue, done (awaiting the moderator), closed (not counted), and an open one due later on
    # eB1's sample outside the plan: 3 not closed, 1 overdue.
    _action(signed, D(2026, 6, 10))
    _action(signed, D(2026, 6, 1), SampleAction.Status.DONE)
    _action(signed, D(2026, 6, 1), SampleAction.Status.CLOSED)
    _action(_sample(personas, e["eB1"], u1), D(2026, 6, 30))
    # Observations: A scheduled 1 Jun (overdue) and 30 Jun; B recorded and cancelled; another centre's assessor.
    for assessor, day, status in ((a, D(2026, 6, 1), "scheduled"), (a, D(2026, 6, 30), "scheduled"),
                                  (b, D(2026, 6, 2), "recorded"), (b, D(2026, 6, 3), "cancelled")):
        Observation.objects.create(centre=personas.centre, assessor=assessor, moderator=personas.moderator,
                                   scheduled_for=day, status=status)
    Observation.objects.create(centre=personas.other_centre, assessor=personas.other_centre_assessor,
                               moderator=personas.moderator, scheduled_for=D(2026, 6, 1))
    # EQA: signed red+green (2 open, 1 done), signed amber+green (1), signed green (1), signed unrated (1), a
    # draft rated red (its point not counted), another centre's signed red report (not counted).
    grant = _grant(personas, personas.centre)
    _eqa_report(personas, grant, ["red", "green"], open_points=2, done_points=1)
    _eqa_report(personas, grant, ["amber", "green"], open_points=1)
    _eqa_report(personas, grant, ["green"], open_points=1)
    _eqa_report(personas, grant, [], open_points=1)
    _eqa_report(personas, grant, ["red"], open_points=1, status=EqaReport.Status.DRAFT)
    _eqa_report(personas, _grant(personas, personas.other_centre), ["red"], open_points=1)
    return e


def _figures(personas, filters=None):
    result = quality.compute(Enrolment.objects.filter(centre=personas.centre), filters=filters or Filters(),
                             today=TODAY)
    return {f.key: f.value for f in result.figures}, result


def test_quality_figures_follow_their_formulas(personas, centre):
    figures, result = _figures(personas)
    assert figures["plan_completion"] == 50  # i1, i5 of i1, i2, i3, i5
    # CAMERA of plan #2: C 1/1 (cohort 2026-01); A 2/2 (A and B have items); M 0/0; E 2/2 (A x U1, B x U2);
    # locations 0/0; R 1/4 (only i1's signed sample checked the records). (1 + 2 + 2 + 1) / (1 + 2 + 2 + 4) = 6/9.
    assert figures["camera_coverage"] == 67
    assert (figures["open_actions"], figures["overdue_actions"]) == (3, 1)
    assert (figures["observations_due"], figures["observations_overdue"]) == (2, 1)
    assert (figures["eqa_actions_red"], figures["eqa_actions_amber"], figures["eqa_actions_green"],
            figures["eqa_actions_unrated"]) == (2, 1, 1, 1)
    assert [row[2:] for row in result.rows] == [[4, 2, 50, 67]]


def test_the_assessor_filter_narrows_the_iqa_figures(personas, centre):
    figures, _result = _figures(personas, Filters(assessor=personas.second_assessor.pk))
    assert figures["plan_completion"] == 0  # i3 only, not sampled
    assert (figures["open_actions"], figures["overdue_actions"]) == (1, 0)
    assert figures["observations_due"] == 0  # B's were recorded or cancelled
    assert figures["eqa_actions_red"] == 2  # the centre's, whatever the filters


def test_with_nothing_planned_the_rates_are_none(personas):
    figures, result = _figures(personas)
    assert (figures["plan_completion"], figures["camera_coverage"]) == (None, None)
    assert result.rows == []


@pytest.mark.parametrize(("bucket", "names"), [
    ("planned", {"eA1", "eA2", "eB1"}), ("not_sampled", {"eA2", "eB1"}), ("open_actions", {"eA1", "eB1"}),
    ("overdue_actions", {"eA1"}),
])
def test_each_bucket_drills_down_to_the_enrolments_it_counts(personas, centre, bucket, names):
    rows = quality.drill(Enrolment.objects.filter(centre=personas.centre), filters=Filters(), bucket=bucket,
                         today=TODAY)
    assert set(rows.values_list("pk", flat=True)) == {centre[n].pk for n in names}


@pytest.mark.parametrize("learners", [10, 200])
def test_quality_takes_nine_queries_with_one_plan_whatever_the_number_of_learners(personas,
                                                                                django_assert_num_queries, learners):
    crowd(personas, learners, today=TODAY)
    enrolments = Enrolment.objects.filter(centre=personas.centre)
    with django_assert_num_queries(9):  # five, and the CAMERA page's four for the one plan
        result = quality.compute(enrolments, filters=Filters(location="Kitchen"), today=TODAY)
    assert len(result.rows) == 1
    with django_assert_num_queries(1):
        list(quality.drill(enrolments, filters=Filters(), bucket="not_sampled", today=TODAY))
