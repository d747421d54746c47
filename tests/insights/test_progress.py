from insights.reports import progress
from insights.reports.base import Filters
from portfolios.models import Enrolment

from .learner_world import TODAY, days, learner_on, ten_criteria_spec


def _window(personas, used: int, met: int, **kwargs) -> Enrolment:
    """A learner on a 100-day enrolment `used` days in (so `used` % of the time) with `met` of 10 criteria."""
    version = personas.spec
    return learner_on(personas, version, start=TODAY - days(used), end=TODAY - days(used) + days(100), met=met,
                      **kwargs)


def _centre(personas) -> dict[str, Enrolment]:
    personas.spec = ten_criteria_spec(personas)
    return {
        "a": _window(personas, 20, 0),   # 20 % used: early
        "j": _window(personas, -10, 0),  # starts in 10 days: 0 % used: early
        "k": _window(personas, 25, 0),   # 25 % used is no longer early; 25 - 0 = 25 >= 10: off track
        "b": _window(personas, 50, 4),   # 50 - 40 = 10 >= 10: off track (the margin itself counts)
        "e": _window(personas, 50, 1),   # 50 - 10 = 40: off track
        "c": _window(personas, 50, 5),   # 50 - 50 = 0: on track
        "d": _window(personas, 50, 6, assessor=personas.second_assessor),  # 60 - 50 = 10: ahead
        "g": _window(personas, 30, 3, assessor=personas.second_assessor),  # 30 - 30: on track
        "f": _window(personas, 200, 10),  # past the planned end: 100 % used, 100 % achieved: on track
        "h": _window(personas, 50, 0, status=Enrolment.Status.ON_BREAK),  # not active: not counted
        "i": _window(personas, 50, 0, status=Enrolment.Status.WITHDRAWN),  # not active: not counted
    }


def _figures(result) -> dict:
    return {f.key: f.value for f in result.figures}


def test_progress_counts_each_active_learner_in_one_band(personas):
    _centre(personas)
    result = progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # active: a, j, k, b, e, c, d, g, f = 9; early a, j; off track k, b, e; ahead d; on track c, g, f.
    # off track share: 3 / 9 = 33.3 -> 33 %.
    assert _figures(result) == {"active": 9, "early": 2, "off_track": 3, "ahead": 1, "on_track": 3,
                                "off_track_share": 33}


def test_every_progress_figure_states_its_formula_and_links_to_its_learners(personas):
    _centre(personas)
    result = progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    assert all(f.formula for f in result.figures)
    assert {f.bucket for f in result.figures} >= set(progress.BUCKETS)


def test_progress_drill_gives_the_learners_behind_a_band(personas):
    world = _centre(personas)
    off = progress.drill(Enrolment.objects.all(), filters=Filters(), bucket="off_track", today=TODAY)
    early = progress.drill(Enrolment.objects.all(), filters=Filters(), bucket="early", today=TODAY)
    assert set(off) == {world["k"], world["b"], world["e"]}
    assert set(early) == {world["a"], world["j"]}
    assert not progress.drill(Enrolment.objects.all(), filters=Filters(), bucket="nonsense", today=TODAY).exists()


def test_progress_filters_narrow_the_counts_and_the_drill(personas):
    world = _centre(personas)
    filters = Filters(assessor=personas.second_assessor.pk)
    result = progress.compute(Enrolment.objects.all(), filters=filters, today=TODAY)
    # The second assessor has d (ahead) and g (on track) only.
    assert _figures(result) == {"active": 2, "early": 0, "off_track": 0, "ahead": 1, "on_track": 1,
                                "off_track_share": 0}
    assert list(progress.drill(Enrolment.objects.all(), filters=filters, bucket="ahead", today=TODAY)) == [world["d"]]


def test_progress_counts_only_the_enrolments_it_is_given(personas):
    world = _centre(personas)
    result = progress.compute(Enrolment.objects.filter(pk=world["b"].pk), filters=Filters(), today=TODAY)
    assert _figures(result)["off_track"] == 1 and _figures(result)["active"] == 1


def test_progress_chart_has_one_point_per_position_with_its_band(personas):
    _centre(personas)
    points = progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY).charts["progress"]["points"]
    assert {"time_used": 50, "achieved": 40, "learners": 1, "band": "off_track"} in points
    assert {"time_used": 100, "achieved": 100, "learners": 1, "band": "on_track"} in points
    assert sum(p["learners"] for p in points) == 9


def test_margin_comes_from_the_setting(personas, settings):
    settings.LEAP_BEHIND_SCHEDULE_MARGIN = 20
    _centre(personas)
    result = progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # With 20 points: k (25) and e (40) off track; b (10) and d (-10) now on track.
    assert _figures(result)["off_track"] == 2 and _figures(result)["ahead"] == 0


def test_progress_runs_the_same_queries_for_10_and_200_learners(personas, django_assert_num_queries):
    personas.spec = ten_criteria_spec(personas)
    for n in range(200):
        _window(personas, 10 + n % 80, n % 10)
        if n == 9:
            with django_assert_num_queries(2):  # the units' criteria counts, each learner's two numbers
                progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
            with django_assert_num_queries(2):
                list(progress.drill(Enrolment.objects.all(), filters=Filters(), bucket="off_track", today=TODAY))
    with django_assert_num_queries(2):
        result = progress.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(2):
        list(progress.drill(Enrolment.objects.all(), filters=Filters(), bucket="off_track", today=TODAY))
    assert _figures(result)["active"] == 200
