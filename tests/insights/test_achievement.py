import datetime

import pytest
from django.utils import timezone

from insights.reports import achievement
from insights.reports.base import Filters
from portfolios import progress_counts
from portfolios.models import AchievedCriterion, Enrolment
from qualifications.models import AssessmentCriterion
from tests.factories import learner
from tests.portfolios.factories import make_enrolment, make_spec

from .crowd import crowd

TODAY = datetime.date(2026, 6, 15)
D = datetime.date


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _enrol(personas, version, start, end, *, status=Enrolment.Status.ACTIVE, met=0, completed=None, assessor=None):
    person = learner(personas.centre, personas.assessor)
    enrolment = make_enrolment(person, assessor or personas.assessor, version, start=start, end=end, status=status,
                               completed_at=_moment(completed) if completed else None)
    criteria = AssessmentCriterion.objects.filter(unit__version=version).order_by("unit__position", "position")
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolment, criterion=c, unit_id=c.unit_id)
                                          for c in criteria[:met])
    progress_counts.refresh([enrolment.pk])
    return enrolment


@pytest.fixture
def centre(personas):
    """Two cohorts of four on a qualification of 10 criteria (1 unit, 1 outcome, 10 criteria). Today 15 Jun 2026.

    Sep 2025 (planned end 1 Mar 2026, so 1 Mar + 90 days = 30 May 2026):
      a1 completed 20 Mar 2026 (timely), a2 completed 10 Jun 2026 (late), a3 withdrawn,
      a4 active with nothing met: time used 100 %, achieved 0 % -> off track.
    Jan 2026 (1 Jan 2026 to 1 Jan 2027: 365 days; 165 used by 15 Jun: 45.2 %):
      b1 active 5/10 = 50 % (not off track), b2 active 3/10 = 30 % (45.2 - 30 = 15.2 >= 10: off track),
      b3 on a break 4/10 = 40 % (5.2: not off track), b4 withdrawn.
    """
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=10)
    a_start, a_end, b_start, b_end = D(2025, 9, 1), D(2026, 3, 1), D(2026, 1, 1), D(2027, 1, 1)
    s = Enrolment.Status
    return {
        "a1": _enrol(personas, version, a_start, a_end, status=s.COMPLETED, met=10, completed=D(2026, 3, 20)),
        "a2": _enrol(personas, version, a_start, a_end, status=s.COMPLETED, met=10, completed=D(2026, 6, 10)),
        "a3": _enrol(personas, version, a_start, a_end, status=s.WITHDRAWN, met=2),
        "a4": _enrol(personas, version, a_start, a_end),
        "b1": _enrol(personas, version, b_start, b_end, met=5),
        "b2": _enrol(personas, version, b_start, b_end, met=3, assessor=personas.second_assessor),
        "b3": _enrol(personas, version, b_start, b_end, status=s.ON_BREAK, met=4),
        "b4": _enrol(personas, version, b_start, b_end, status=s.WITHDRAWN),
    }


def _figures(personas, filters=None):
    result = achievement.compute(Enrolment.objects.filter(centre=personas.centre), filters=filters or Filters(),
                                 today=TODAY)
    return {f.key: f.value for f in result.figures}, result


def test_achievement_counts_and_rates_follow_their_formulas(personas, centre):
    figures, _result = _figures(personas)
    # 8 enrolments: completed 2 (a1, a2), withdrawn 2 (a3, b4), in learning 4 (a4, b1, b2, b3); timely 1 (a1);
    # in learning and not off track 2 (b1, b3).
    assert (figures["completed"], figures["withdrawn"], figures["in_learning"]) == (2, 2, 4)
    assert figures["achievement_rate"] == 50  # 2 / (2 + 2)
    assert figures["timely_rate"] == 25  # 1 / (2 + 2)
    assert figures["retention"] == 75  # (8 - 2) / 8
    assert figures["forecast_best"] == 75  # (2 + 4) / 8
    assert figures["forecast_expected"] == 50  # (2 + 2) / 8
    assert figures["forecast_worst"] == 25  # 2 / 8
    assert figures["off_track"] == 2  # a4, b2: 4 in learning - 2 not off track


def test_achievement_rows_give_each_cohort_its_own_rates(personas, centre):
    _figures_, result = _figures(personas)
    # Sep 2025: 4 enrolments, 2 completed, 1 withdrawn, 1 in learning; achievement 2/3 = 67, timely 1/3 = 33,
    # retention 3/4 = 75, best 3/4 = 75, expected (2 + 0)/4 = 50, worst 2/4 = 50.
    # Jan 2026: 4, 0, 1, 3; achievement 0/1 = 0, timely 0/1 = 0, retention 3/4 = 75, best 3/4 = 75,
    # expected (0 + 2)/4 = 50, worst 0/4 = 0.
    assert [row[1:] for row in result.rows] == [[4, 2, 1, 1, 67, 33, 75, 75, 50, 50],
                                                 [4, 0, 1, 3, 0, 0, 75, 75, 50, 0]]
    assert [bar["cohort"] for bar in result.charts["achievement_by_cohort"]] == ["2025-09", "2026-01"]
    assert result.charts["achievement_by_cohort"][1] == {
        "cohort": "2026-01", "label": result.rows[1][0], "completed": 0, "withdrawn": 1, "in_learning": 3}


def test_a_rate_with_nothing_to_divide_by_is_shown_as_none(personas, centre):
    figures, _result = _figures(personas, Filters(status=Enrolment.Status.ACTIVE))
    assert figures["achievement_rate"] is None
    assert figures["forecast_worst"] == 0  # 0 completed / 3 in learning


def test_achievement_filters_narrow_the_counts(personas, centre):
    figures, _result = _figures(personas, Filters(assessor=personas.second_assessor.pk))
    assert (figures["in_learning"], figures["completed"]) == (1, 0)  # b2 only
    figures, _result = _figures(personas, Filters(cohort=D(2025, 9, 1)))
    assert (figures["completed"], figures["withdrawn"], figures["in_learning"]) == (2, 1, 1)


@pytest.mark.parametrize(("bucket", "names"), [
    ("completed", {"a1", "a2"}), ("withdrawn", {"a3", "b4"}), ("in_learning", {"a4", "b1", "b2", "b3"}),
    ("timely", {"a1"}), ("late", {"a2"}), ("on_course", {"b1", "b3"}), ("off_track", {"a4", "b2"}),
])
def test_each_bucket_drills_down_to_the_enrolments_it_counts(personas, centre, bucket, names):
    rows = achievement.drill(Enrolment.objects.filter(centre=personas.centre), filters=Filters(), bucket=bucket,
                             today=TODAY)
    assert set(rows.values_list("pk", flat=True)) == {centre[n].pk for n in names}


def test_drill_keeps_the_filters(personas, centre):
    rows = achievement.drill(Enrolment.objects.filter(centre=personas.centre),
                             filters=Filters(cohort=D(2026, 1, 1)), bucket="withdrawn", today=TODAY)
    assert list(rows) == [centre["b4"]]


def test_an_unknown_bucket_is_refused(personas, centre):
    with pytest.raises(KeyError):
        achievement.drill(Enrolment.objects.all(), filters=Filters(), bucket="nope", today=TODAY)


@pytest.mark.parametrize("learners", [10, 200])
def test_achievement_takes_two_queries_whatever_the_number_of_learners(personas, django_assert_num_queries,
                                                                      learners):
    crowd(personas, learners, today=TODAY)
    enrolments = Enrolment.objects.filter(centre=personas.centre)
    with django_assert_num_queries(2):
        achievement.compute(enrolments, filters=Filters(location="Kitchen"), today=TODAY)
    with django_assert_num_queries(2):
        list(achievement.drill(enrolments, filters=Filters(), bucket="off_track", today=TODAY))
