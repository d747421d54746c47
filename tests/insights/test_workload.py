import datetime

import pytest
from django.utils import timezone

from assessment.models import Review
from insights.reports import workload
from insights.reports.base import Filters
from moderation.models import Sample, SampleAction, SampleKind
from portfolios.models import Enrolment, Evidence, EvidenceSubmission
from tests.factories import learner
from tests.portfolios.factories import make_enrolment, make_spec

from .crowd import crowd

TODAY = datetime.date(2026, 6, 15)  # a Monday
D = datetime.date


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _evidence(enrolment, status, submitted):
    evidence = Evidence.objects.create(enrolment=enrolment, title="Task", status=status, submitted_at=submitted)
    return evidence, EvidenceSubmission.objects.create(evidence=evidence, number=1, title="Task",
                                                       submitted_at=submitted)


def _decided(enrolment, assessor, submitted, decided, *, returned=False, countersign=None):
    """countersign: None (not needed), False (needed, not yet given), True (given)."""
    _evidence_, submission = _evidence(enrolment, Evidence.Status.RETURNED if returned else Evidence.Status.ACCEPTED,
                                       submitted)
    return Review.objects.create(submission=submission, assessor=assessor, decided_at=decided,
                                 outcome=Review.Outcome.RETURNED if returned else Review.Outcome.ACCEPTED,
                                 needs_countersign=countersign is not None,
                                 countersigned_at=decided if countersign else None)


def _sample(enrolment, personas, outcome, status=Sample.Status.SIGNED):
    return Sample.objects.create(centre=personas.centre, enrolment=enrolment, unit=enrolment.version.units.first(),
                                 assessor=enrolment.assessor, moderator=personas.moderator,
                                 kind=SampleKind.SUMMATIVE, status=status, outcome=outcome)


def _action(sample, due, status=SampleAction.Status.OPEN):
    SampleAction.objects.create(sample=sample, text="Act", owner=sample.assessor, due_date=due, status=status)


@pytest.fixture
def centre(personas):
    """Assessor A (Sam) has eA1, eA2 active and eA3 withdrawn; assessor B has eB1 active and eB2 on a break.

    Turnarounds in working days, decided in the 90 days up to Monday 15 June 2026:
      A: r1 Mon 8 -> Mon 8 Jun = 0; r2 Fri 5 -> Mon 8 = 1 (returned); r3 Mon 1 -> Thu 4 = 3 (needs a
         countersignature, none yet); r4 Mon 25 May -> Tue 2 Jun = 6 (countersigned); r5 Mon 18 May -> Wed 3 Jun = 12
         (returned). Sorted 0 1 3 6 12: median = the ceil(5/2) = 3rd = 3; p90 = the ceil(4.5) = 5th = 12.
      B: r6 Mon 8 -> Wed 10 Jun at 00:30 (Tue 23:30 UTC: the local day counts) = 2; r7 Tue 9 -> Mon 15 = 4;
         r8 Sat 13 -> Mon 15 = 0. Sorted 0 2 4: median = the 2nd = 2; p90 = the ceil(2.7) = 3rd = 4.
      All 8, sorted 0 0 1 2 3 4 6 12: median = the 4th = 2; p90 = the ceil(7.2) = 8th = 12.
    Outside the window: r0, decided 10 Jan 2026 by A on eA3, still awaiting a countersignature.
    """
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    a, b = personas.assessor, personas.second_assessor

    def enrol(assessor, status=Enrolment.Status.ACTIVE):
        return make_enrolment(learner(personas.centre, assessor), assessor, version, start=D(2026, 1, 5),
                              end=D(2026, 12, 5), status=status)

    e = {"eA1": enrol(a), "eA2": enrol(a), "eA3": enrol(a, Enrolment.Status.WITHDRAWN), "eB1": enrol(b),
         "eB2": enrol(b, Enrolment.Status.ON_BREAK)}
    _decided(e["eA1"], a, _at(D(2026, 6, 8)), _at(D(2026, 6, 8), 15))
    _decided(e["eA1"], a, _at(D(2026, 6, 5)), _at(D(2026, 6, 8), 15), returned=True)
    _decided(e["eA1"], a, _at(D(2026, 6, 1)), _at(D(2026, 6, 4), 15), countersign=False)
    _decided(e["eA2"], a, _at(D(2026, 5, 25)), _at(D(2026, 6, 2), 15), countersign=True)
    _decided(e["eA2"], a, _at(D(2026, 5, 18)), _at(D(2026, 6, 3), 15), returned=True)
    _decided(e["eB1"], b, _at(D(2026, 6, 8)), _at(D(2026, 6, 10), 0, 30))
    _decided(e["eB1"], b, _at(D(2026, 6, 9)), _at(D(2026, 6, 15), 9))
    _decided(e["eB1"], b, _at(D(2026, 6, 13)), _at(D(2026, 6, 15), 9))
    _decided(e["eA3"], a, _at(D(2026, 1, 5)), _at(D(2026, 1, 10)), countersign=False)
    # Waiting: eA1 and eB2; eA3's item is a withdrawn learner's, so waits for nobody.
    for name in ("eA1", "eB2", "eA3"):
        _evidence(e[name], Evidence.Status.SUBMITTED, _at(D(2026, 6, 12)))
    # IQA: A signed agree, agree with advice, disagree (act, on eA1), disagree (overturn, on eA2): 2 of 4; B one
    # signed agree; a started sample on eB1 is not counted. Overdue: A's open action due 10 Jun (not the open one
    # due 20 Jun, nor the done one due 1 Jun) and B's open one due 14 Jun.
    _sample(e["eA1"], personas, Sample.Outcome.AGREE)
    _sample(e["eA2"], personas, Sample.Outcome.AGREE_ADVICE)
    act = _sample(e["eA1"], personas, Sample.Outcome.DISAGREE_ACT)
    _sample(e["eA2"], personas, Sample.Outcome.DISAGREE_OVERTURN)
    agree_b = _sample(e["eB1"], personas, Sample.Outcome.AGREE)
    _sample(e["eB1"], personas, "", Sample.Status.STARTED)
    _action(act, D(2026, 6, 10))
    _action(act, D(2026, 6, 20))
    _action(act, D(2026, 6, 1), SampleAction.Status.DONE)
    _action(agree_b, D(2026, 6, 14))
    return e


def _result(personas, filters=None):
    return workload.compute(Enrolment.objects.filter(centre=personas.centre), filters=filters or Filters(),
                            today=TODAY)


def test_workload_figures_follow_their_formulas(personas, centre):
    figures = {f.key: f.value for f in _result(personas).figures}
    assert figures["caseload"] == 3  # eA1, eA2, eB1
    assert figures["waiting"] == 2  # eA1, eB2
    assert (figures["turnaround_median"], figures["turnaround_p90"]) == (2, 12)
    assert figures["within_5"] == 75  # 6 of 8 (0 0 1 2 3 4)
    assert figures["within_10"] == 88  # 7 of 8 = 87.5
    assert figures["resubmission_rate"] == 25  # r2, r5 of 8
    assert figures["countersign_backlog"] == 2  # r3, and r0 from January
    assert figures["iqa_disagreement_rate"] == 40  # 2 of 5 signed
    assert figures["overdue_iqa_actions"] == 2


def test_workload_rows_give_each_assessor_their_own(personas, centre):
    rows = {row[0]: row[1:] for row in _result(personas).rows}
    # caseload, waiting, decisions, median, p90, within 5 %, within 10 %, resubmission %, awaiting countersign,
    # samples signed, disagreement %, overdue actions.
    # A: 2, 1, 5, 3, 12, 3/5 = 60, 4/5 = 80, 2/5 = 40, 2, 4, 2/4 = 50, 1.
    assert rows[personas.assessor.display_name] == [2, 1, 5, 3, 12, 60, 80, 40, 2, 4, 50, 1]
    # B: 1, 1, 3, 2, 4, 100, 100, 0, 0, 1, 0, 1.
    assert rows[personas.second_assessor.display_name] == [1, 1, 3, 2, 4, 100, 100, 0, 0, 1, 0, 1]


def test_turnaround_chart_bins_each_assessors_decisions(personas, centre):
    chart = {c["assessor"]: c for c in _result(personas).charts["turnaround_by_assessor"]}
    # A: 0, 1 in 0–1; 3 in 2–5; 6 in 6–10; 12 in 11+.
    assert [b["count"] for b in chart[personas.assessor.display_name]["bins"]] == [2, 1, 1, 1]
    assert [b["count"] for b in chart[personas.second_assessor.display_name]["bins"]] == [1, 2, 0, 0]


def test_the_assessor_filter_narrows_every_figure(personas, centre):
    figures = {f.key: f.value for f in _result(personas, Filters(assessor=personas.second_assessor.pk)).figures}
    assert (figures["caseload"], figures["waiting"], figures["turnaround_median"]) == (1, 1, 2)
    assert (figures["countersign_backlog"], figures["iqa_disagreement_rate"], figures["overdue_iqa_actions"]) == (
        0, 0, 1)


def test_with_no_decisions_the_rates_are_none(personas, centre):
    figures = {f.key: f.value for f in _result(personas, Filters(status=Enrolment.Status.ON_BREAK)).figures}
    assert (figures["turnaround_median"], figures["within_5"], figures["resubmission_rate"]) == (None, None, None)
    assert figures["waiting"] == 1


@pytest.mark.parametrize(("bucket", "names"), [
    ("caseload", {"eA1", "eA2", "eB1"}), ("waiting", {"eA1", "eB2"}), ("slow", {"eA2"}),
    ("returned", {"eA1", "eA2"}), ("countersign", {"eA1", "eA3"}), ("disagreed", {"eA1", "eA2"}),
    ("overdue_actions", {"eA1", "eB1"}),
])
def test_each_bucket_drills_down_to_the_enrolments_it_counts(personas, centre, bucket, names):
    rows = workload.drill(Enrolment.objects.filter(centre=personas.centre), filters=Filters(), bucket=bucket,
                          today=TODAY)
    assert set(rows.values_list("pk", flat=True)) == {centre[n].pk for n in names}


@pytest.mark.parametrize("learners", [10, 200])
def test_workload_takes_seven_queries_whatever_the_number_of_learners(personas, django_assert_num_queries,
                                                                      learners):
    crowd(personas, learners, today=TODAY)
    enrolments = Enrolment.objects.filter(centre=personas.centre)
    with django_assert_num_queries(7):
        result = workload.compute(enrolments, filters=Filters(location="Kitchen"), today=TODAY)
    assert result.rows
    with django_assert_num_queries(1):
        list(workload.drill(enrolments, filters=Filters(), bucket="slow", today=TODAY))
