from accounts.pseudonyms import Masking, hidden, masked, pseudonym_of
from insights.flags.services import risk_flag_add
from insights.reports import at_risk
from insights.reports.base import Filters
from moderation.models import SampleAction
from portfolios.models import Enrolment

from .learner_world import TODAY, days, iqa_action, learner_on, submit, ten_criteria_spec


def _centre(personas) -> dict[str, Enrolment]:
    version = ten_criteria_spec(personas)

    def learner(name: str, *, start: int, end: int, met: int = 5, evidence: int | None = 1, **kwargs) -> Enrolment:
        enrolment = learner_on(personas, version, start=TODAY - days(start), end=TODAY + days(end), met=met,
                               name=name, **kwargs)
        if evidence is not None:
            submit(enrolment, TODAY - days(evidence))
        return enrolment

    w = {
        "off": learner("Off", start=50, end=50, met=1),  # 50 % used, 10 % achieved: off track
        "quiet": learner("Quiet", start=50, end=50, evidence=40),  # on track, last evidence 40 days ago: inactive
        "never": learner("Never", start=30, end=270, evidence=None),  # 10 % used (early), no evidence: never started
        "late": learner("Late", start=400, end=-30, met=10),  # all achieved, planned end 30 days ago: late
        "iqa": learner("Iqa", start=50, end=50),  # on track, recent evidence, an open IQA action
        "flagged": learner("Flagged", start=50, end=50),  # nothing computed: flagged by hand
        "many": learner("Many", start=400, end=-30, met=0, evidence=100),  # off track, inactive, late, IQA, flag
        "fine": learner("Fine", start=50, end=50),  # on track, active, only a closed action: not at risk
        "paused": learner("Paused", start=400, end=-60, evidence=None, status=Enrolment.Status.ON_BREAK),  # late
        "done": learner("Done", start=400, end=-60, status=Enrolment.Status.COMPLETED),  # not in learning
    }
    iqa_action(personas, w["iqa"])
    iqa_action(personas, w["many"], status=SampleAction.Status.DONE)  # done, not closed: still unresolved
    iqa_action(personas, w["fine"], status=SampleAction.Status.CLOSED)
    iqa_action(personas, w["done"])
    risk_flag_add(enrolment=w["flagged"], reason="Told me she may leave for a job", actor=personas.admin)
    risk_flag_add(enrolment=w["many"], reason="Caring for a parent", actor=personas.assessor)
    return w


def _figures(result) -> dict:
    return {f.key: f.value for f in result.figures}


def test_at_risk_is_the_union_of_the_reasons_counting_each_learner_once(personas):
    _centre(personas)
    result = at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    # at risk: off, quiet, never, late, iqa, flagged, many, paused = 8 (not fine, not done).
    # off track: off, many; inactive: quiet, many; never started: never; late: late, many, paused;
    # IQA actions: iqa, many; flagged: flagged, many.
    assert _figures(result) == {"all": 8, "off_track": 2, "inactive": 2, "never_started": 1, "late": 3,
                                "iqa_actions": 2, "flagged": 2}
    assert all(f.formula and f.bucket for f in result.figures)


def test_each_at_risk_learner_is_listed_with_every_reason_and_the_flag_beside_them(personas):
    _centre(personas)
    rows = {row[0]: row for row in at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY).rows}
    assert len(rows) == 8 and "Fine Fine" not in rows and "Done Done" not in rows
    reasons = rows["Many Many"][4]
    assert "Off track: 100 % of the time used, 0 % achieved" in reasons
    assert "Inactive: no evidence and no decision in the last 28 days" in reasons
    assert "Late: planned end date" in reasons
    assert "1 unresolved IQA action" in reasons
    assert "Caring for a parent" in reasons  # the flag adds to the computed reasons
    assert rows["Off Off"][4] == "Off track: 50 % of the time used, 10 % achieved"
    assert rows["Flagged Flagged"][4].startswith(
        f"Flagged by {personas.admin.first_name} {personas.admin.last_name} on ")
    assert rows["Paused Paused"][3] == "On break"


def test_at_risk_drill_gives_the_learners_of_each_reason(personas):
    w = _centre(personas)

    def drill(bucket):
        return set(at_risk.drill(Enrolment.objects.all(), filters=Filters(), bucket=bucket, today=TODAY))

    assert drill("all") == {w[k] for k in ("off", "quiet", "never", "late", "iqa", "flagged", "many", "paused")}
    assert drill("late") == {w["late"], w["many"], w["paused"]}
    assert drill("iqa_actions") == {w["iqa"], w["many"]}
    assert drill("flagged") == {w["flagged"], w["many"]}
    assert drill("nonsense") == set()


def test_at_risk_filters_narrow_the_list(personas):
    w = _centre(personas)
    filters = Filters(status=Enrolment.Status.ON_BREAK)
    result = at_risk.compute(Enrolment.objects.all(), filters=filters, today=TODAY)
    assert _figures(result)["all"] == 1 and [r[0] for r in result.rows] == ["Paused Paused"]
    assert list(at_risk.drill(Enrolment.objects.all(), filters=filters, bucket="all", today=TODAY)) == [w["paused"]]


def test_at_risk_runs_the_same_queries_for_10_and_200_learners(personas, django_assert_num_queries):
    version = ten_criteria_spec(personas)
    for n in range(200):
        enrolment = learner_on(personas, version, start=TODAY - days(50 + n % 300), end=TODAY + days(60 - n % 100),
                               met=n % 10)
        if n % 4 == 0:
            iqa_action(personas, enrolment)
        if n % 5 == 0:
            risk_flag_add(enrolment=enrolment, reason="Worried", actor=personas.admin)
        if n == 9:
            with django_assert_num_queries(2):  # the units' criteria counts, the learners with their reasons
                at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(2):
        result = at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY)
    with django_assert_num_queries(2):
        list(at_risk.drill(Enrolment.objects.all(), filters=Filters(), bucket="all", today=TODAY))
    assert _figures(result)["all"] == 200  # every one started 50+ days ago with no evidence: never started


def test_at_risk_rows_name_learners_as_the_reader_may_see_them(personas):
    # The rows are built from plain columns, not loaded users: under blind mode they still show pseudonyms.
    w = _centre(personas)
    learners = Enrolment.objects.values_list("learner_id", "learner__email", "learner__first_name",
                                             "learner__last_name")
    with masked(Masking(load_learners=lambda: list(learners), pseudonym_key="k3y")):
        rows = at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY).rows
        expected = pseudonym_of(w["off"].learner_id)
    names = [row[0] for row in rows]
    assert expected and expected in names
    assert "Off Off" not in names and not any("@" in name for name in names)


def test_a_nameless_learner_is_listed_by_email_unless_the_reader_may_not_see_contact_details(personas):
    # Names are written out without loading users for learners no masking covers: the rule must stay
    # `display_name`'s (full name, else email), and a covered learner still goes through the masking.
    w = _centre(personas)
    person = w["off"].learner
    person.first_name = person.last_name = ""
    person.save()
    assert person.email in [row[0] for row in at_risk.compute(Enrolment.objects.all(), filters=Filters(),
                                                              today=TODAY).rows]
    learners = Enrolment.objects.values_list("learner_id", "learner__email", "learner__first_name",
                                             "learner__last_name")
    with masked(Masking(load_learners=lambda: list(learners), hide_contact=True)):
        names = [row[0] for row in at_risk.compute(Enrolment.objects.all(), filters=Filters(), today=TODAY).rows]
    assert hidden() in names and person.email not in names and "Quiet Quiet" in names
