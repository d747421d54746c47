from insights.reports import inactivity
from insights.reports.base import Filters
from portfolios.models import Enrolment

from .learner_world import TODAY, days, decide, learner_on, submit, ten_criteria_spec


def _centre(personas) -> dict[str, Enrolment]:
    version = ten_criteria_spec(personas)

    def started(ago: int, **kwargs) -> Enrolment:
        return learner_on(personas, version, start=TODAY - days(ago), end=TODAY + days(200), **kwargs)

    world = {name: started(100) for name in ("recent", "day_28", "decided", "old")}
    submit(world["recent"], TODAY - days(27))  # the 28 days are TODAY-27 .. TODAY: active
    submit(world["day_28"], TODAY - days(28))  # one day outside them: inactive
    decide(submit(world["decided"], TODAY - days(60)), TODAY - days(5))  # a decision counts: active
    decide(submit(world["old"], TODAY - days(60)), TODAY - days(40))  # inactive
    world["never"] = started(28)  # 28 days since the start, no evidence: never started
    world["new"] = started(27)  # 27 days: not yet
    world["break"] = started(100, status=Enrolment.Status.ON_BREAK)  # not active: not counted
    submit(world["break"], TODAY - days(90))
    return world


def _figures(result) -> dict:
    return {f.key: f.value for f in result.figures}


def test_inactivity_counts_active_learners_without_evidence_or_decision_for_28_days(personas):
    _centre(personas)
    result = inactivity.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # active: recent, day_28, decided, old, never, new = 6; inactive: day_28, old; never started: never.
    # share: (2 + 1) / 6 = 50 %.
    assert _figures(result) == {"active": 6, "inactive": 2, "never_started": 1, "inactive_share": 50}
    assert all(f.formula for f in result.figures)


def test_inactivity_drill_gives_the_inactive_and_the_never_started(personas):
    world = _centre(personas)
    drill = inactivity.drill
    assert set(drill(Enrolment.objects.all(), filters=Filters(), bucket="inactive", today=TODAY)) == {
        world["day_28"], world["old"]}
    assert list(drill(Enrolment.objects.all(), filters=Filters(), bucket="never_started", today=TODAY)) == [
        world["never"]]


def test_inactivity_over_time_counts_each_week_end_as_things_stood_then(personas):
    _centre(personas)
    weeks = inactivity.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY).charts["inactivity"]["weeks"]
    assert len(weeks) == 12 and weeks[-1]["week_ending"] == TODAY
    by_day = {w["week_ending"]: w["learners"] for w in weeks}
    # Today: day_28, old, never (= inactive + never started).
    assert by_day[TODAY] == 3
    # TODAY-7 (window TODAY-34 .. TODAY-7): recent (-27) and day_28 (-28) were active; decided (evidence -60,
    # decision -5 still to come) and old (decision -40) were quiet; never had started only 21 days before.
    assert by_day[TODAY - days(7)] == 2
    # TODAY-14 (window TODAY-41 .. TODAY-14): old's decision (-40) falls in it: decided only.
    assert by_day[TODAY - days(14)] == 1
    # TODAY-35 (window TODAY-62 .. TODAY-35): decided and old submitted at -60; recent and day_28 were quiet.
    assert by_day[TODAY - days(35)] == 2


def test_inactivity_filters_narrow_the_counts(personas):
    world = _centre(personas)
    world["old"].assessor = personas.second_assessor
    world["old"].save()
    result = inactivity.compute(Enrolment.objects.all(), filters=Filters(assessor=personas.second_assessor.pk),
                                today=TODAY)
    assert _figures(result) == {"active": 1, "inactive": 1, "never_started": 0, "inactive_share": 100}


def test_inactivity_runs_the_same_queries_for_10_and_200_learners(personas, django_assert_num_queries):
    version = ten_criteria_spec(personas)
    for n in range(200):
        enrolment = learner_on(personas, version, start=TODAY - days(120), end=TODAY + days(200))
        if n % 3:
            decide(submit(enrolment, TODAY - days(n % 70)), TODAY - days(n % 50))
        if n == 9:
            with django_assert_num_queries(1):
                inactivity.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(1):
        result = inactivity.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(1):
        list(inactivity.drill(Enrolment.objects.all(), filters=Filters(), bucket="inactive", today=TODAY))
    assert _figures(result)["active"] == 200
