from insights.reports import planned_end
from insights.reports.base import Filters
from portfolios.models import Enrolment

from .learner_world import TODAY, days, learner_on, ten_criteria_spec


def _centre(personas) -> dict[str, Enrolment]:
    hosp, care = ten_criteria_spec(personas), ten_criteria_spec(personas, code="CARE-L2")

    def ending(offset: int, version=hosp, **kwargs) -> Enrolment:
        return learner_on(personas, version, start=TODAY - days(200), end=TODAY + days(offset), **kwargs)

    return {
        "today": ending(0),        # due today: within 8 weeks
        "in_56": ending(56),       # 8 weeks exactly: within 8 weeks
        "in_57": ending(57, care),  # one day beyond: later
        "ago_1": ending(-1),       # passed yesterday: overdue
        "ago_28": ending(-28),     # passed 4 weeks ago exactly: still overdue
        "ago_29": ending(-29, care),  # beyond 4 weeks: late
        "break": ending(-100, status=Enrolment.Status.ON_BREAK),  # on break is in learning: late
        "done": ending(-100, status=Enrolment.Status.COMPLETED),  # not counted
        "gone": ending(-100, status=Enrolment.Status.WITHDRAWN),  # not counted
    }


def _figures(result) -> dict:
    return {f.key: f.value for f in result.figures}


def test_planned_end_bands_count_learners_in_learning_by_their_planned_end_date(personas):
    _centre(personas)
    result = planned_end.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # in learning: 7 (all but done and gone); due soon: today, in_56; later: in_57; overdue: ago_1, ago_28;
    # late: ago_29, break. 2 + 1 + 2 + 2 = 7.
    assert _figures(result) == {"in_learning": 7, "due_soon": 2, "later": 1, "overdue": 2, "late": 2,
                                "no_end_date": 0}
    assert all(f.formula for f in result.figures)


def test_planned_end_table_has_a_row_per_qualification_and_the_totals(personas):
    _centre(personas)
    result = planned_end.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # columns: due soon, later, overdue, late
    assert result.rows == [["CARE-L2", 0, 1, 0, 1], ["HOSP-L3", 2, 0, 2, 1], ["All qualifications", 2, 1, 2, 2]]


def test_planned_end_drill_gives_the_learners_of_a_band(personas):
    world = _centre(personas)
    late = planned_end.drill(Enrolment.objects.all(), filters=Filters(), bucket="late", today=TODAY)
    overdue = planned_end.drill(Enrolment.objects.all(), filters=Filters(), bucket="overdue", today=TODAY)
    assert set(late) == {world["ago_29"], world["break"]}
    assert set(overdue) == {world["ago_1"], world["ago_28"]}


def test_planned_end_filters_narrow_to_one_qualification(personas):
    world = _centre(personas)
    filters = Filters(qualification=world["in_57"].version.qualification_id)
    result = planned_end.compute(Enrolment.objects.all(), filters=filters, today=TODAY)
    assert _figures(result)["in_learning"] == 2 and _figures(result)["late"] == 1
    assert list(planned_end.drill(Enrolment.objects.all(), filters=filters, bucket="late", today=TODAY)) == [
        world["ago_29"]]


def test_planned_end_runs_the_same_queries_for_10_and_200_learners(personas, django_assert_num_queries):
    version = ten_criteria_spec(personas)
    for n in range(200):
        learner_on(personas, version, start=TODAY - days(200), end=TODAY + days(n % 90 - 45))
        if n == 9:
            with django_assert_num_queries(1):
                planned_end.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(1):
        result = planned_end.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(1):
        list(planned_end.drill(Enrolment.objects.all(), filters=Filters(), bucket="late", today=TODAY))
    assert _figures(result)["in_learning"] == 200
