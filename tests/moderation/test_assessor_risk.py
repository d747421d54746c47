"""Assessor risk: each fact alone moves the tier, two facts (or not being qualified) make it high, an override
applies and says so, and the work is a fixed number of queries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Membership, Role
from moderation.models import AssessorRiskOverride, RiskTier, Sample, SampleAction, SampleKind, SamplingStrategy
from moderation.strategies import services
from moderation.strategies.risk import assessor_risks, tier_for
from moderation.strategies.services import StrategyError
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.portfolios.factories import make_enrolment, make_spec

TODAY = datetime.date(2026, 12, 1)  # in the cycle 1 August 2026 - 31 July 2027
LONG_AGO = datetime.date(2023, 9, 1)


@pytest.fixture
def world(personas):
    version = make_spec(personas.centre, code="RISK-L2", units=2, outcomes=1, criteria=1)
    strategy = SamplingStrategy.objects.create(centre=personas.centre, qualification=version.qualification,
                                               created_by=personas.moderator)
    return personas, version, strategy


def established(personas, version, assessor=None):
    """An assessor with none of the facts: qualified, three years at the centre, an earlier cohort."""
    assessor = assessor or personas.assessor
    Membership.objects.filter(user=assessor, centre=personas.centre, role=Role.ASSESSOR).update(
        created_at=timezone.make_aware(datetime.datetime(2023, 1, 1)), qualified=True)
    enrolment = make_enrolment(learner(personas.centre, assessor), assessor, version, start=LONG_AGO,
                               end=datetime.date(2027, 9, 1))
    return assessor, enrolment


def signed_samples(personas, enrolment, outcomes, *, start=None):
    start = start or timezone.make_aware(datetime.datetime(2026, 1, 1))
    unit = enrolment.version.units.first()
    for i, outcome in enumerate(outcomes):
        Sample.objects.create(centre=personas.centre, enrolment=enrolment, unit=unit, assessor=enrolment.assessor,
                              moderator=personas.moderator, kind=SampleKind.SUMMATIVE, status=Sample.Status.SIGNED,
                              outcome=outcome, signed_name="M", signed_at=start + datetime.timedelta(days=i))


def risk_of(strategy, assessor):
    return assessor_risks(strategy=strategy, today=TODAY)[assessor.pk]


def test_the_rule_high_for_two_facts_or_not_qualified_medium_for_one_low_for_none():
    assert tier_for(set()) == RiskTier.LOW
    assert tier_for({"first_cohort"}) == RiskTier.MEDIUM
    assert tier_for({"not_qualified"}) == RiskTier.HIGH
    assert tier_for({"first_cohort", "overdue_actions"}) == RiskTier.HIGH


def test_an_established_assessor_is_low_and_the_page_says_no_fact_applies(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    risk = risk_of(strategy, assessor)
    assert (risk.tier, risk.computed_tier, risk.override) == (RiskTier.LOW, RiskTier.LOW, None)
    assert risk.reasons == ["None of the risk facts apply"]


def test_only_assessors_with_an_enrolment_on_the_qualification_at_the_centre_are_listed(world):
    personas, version, strategy = world
    established(personas, version)
    other_version = make_spec(personas.centre, code="OTHER-L2", units=1, outcomes=1, criteria=1)
    make_enrolment(personas.second_learner, personas.second_assessor, other_version)
    assert list(assessor_risks(strategy=strategy, today=TODAY)) == [personas.assessor.pk]


def test_not_yet_qualified_alone_makes_an_assessor_high(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    Membership.objects.filter(user=assessor, role=Role.ASSESSOR).update(qualified=False)
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.HIGH
    assert risk.reasons == ["Not yet qualified: decisions are countersigned"]


def test_less_than_twelve_months_at_the_centre_alone_makes_an_assessor_medium(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    Membership.objects.filter(user=assessor, role=Role.ASSESSOR).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 6, 15)))
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.MEDIUM
    assert risk.reasons == ["At the centre for 5 months (less than 12)"]


def test_twelve_months_at_the_centre_is_no_longer_new(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    Membership.objects.filter(user=assessor, role=Role.ASSESSOR).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 12, 1, 12)))
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_a_first_cohort_on_the_qualification_alone_makes_an_assessor_medium(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    enrolment.start_date = datetime.date(2026, 8, 1)  # the first day of the current cycle
    enrolment.save(update_fields=["start_date"])
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.MEDIUM
    assert risk.reasons == ["First cohort on this qualification"]


def test_an_enrolment_before_the_cycle_on_another_qualification_does_not_count_for_this_one(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    enrolment.start_date = datetime.date(2026, 9, 1)
    enrolment.save(update_fields=["start_date"])
    other_version = make_spec(personas.centre, code="OTHER-L2", units=1, outcomes=1, criteria=1)
    make_enrolment(personas.second_learner, assessor, other_version, start=LONG_AGO, end=datetime.date(2027, 1, 1))
    assert risk_of(strategy, assessor).facts == ("first_cohort",)


def test_a_disagreement_rate_of_ten_percent_over_the_last_twenty_samples_makes_an_assessor_medium(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    signed_samples(personas, enrolment, [Sample.Outcome.DISAGREE_ACT, Sample.Outcome.DISAGREE_OVERTURN]
                   + [Sample.Outcome.AGREE] * 18)
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.MEDIUM
    assert risk.reasons == ["Disagreement rate 10 % (2 of the last 20 sampled decisions)"]


def test_only_the_last_twenty_signed_samples_count_towards_the_disagreement_rate(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    # Three old disagreements, then twenty agreements: the rate over the last twenty is 0 %.
    signed_samples(personas, enrolment, [Sample.Outcome.DISAGREE_ACT] * 3 + [Sample.Outcome.AGREE] * 20)
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_one_disagreement_in_twenty_is_below_the_threshold(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    signed_samples(personas, enrolment, [Sample.Outcome.DISAGREE_ACT] + [Sample.Outcome.AGREE_ADVICE] * 19)
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_samples_not_yet_signed_do_not_count(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    signed_samples(personas, enrolment, [Sample.Outcome.AGREE] * 5)
    Sample.objects.create(centre=personas.centre, enrolment=enrolment, unit=enrolment.version.units.first(),
                          assessor=assessor, moderator=personas.moderator, kind=SampleKind.SUMMATIVE,
                          status=Sample.Status.STARTED, outcome=Sample.Outcome.DISAGREE_ACT)
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_overdue_iqa_actions_alone_make_an_assessor_medium(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    signed_samples(personas, enrolment, [Sample.Outcome.AGREE_ADVICE] * 10)
    sample = Sample.objects.filter(assessor=assessor).first()
    for status, due in [(SampleAction.Status.OPEN, TODAY - datetime.timedelta(days=1)),
                        (SampleAction.Status.DONE, TODAY - datetime.timedelta(days=20)),
                        (SampleAction.Status.CLOSED, TODAY - datetime.timedelta(days=20)),  # closed: not overdue
                        (SampleAction.Status.OPEN, TODAY)]:  # due today: not yet overdue
        SampleAction.objects.create(sample=sample, text="Add feedback", owner=assessor, due_date=due, status=status)
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.MEDIUM
    assert risk.reasons == ["2 IQA actions overdue"]


def test_two_facts_make_an_assessor_high_and_both_are_explained(world):
    personas, version, strategy = world
    assessor, enrolment = established(personas, version)
    enrolment.start_date = datetime.date(2026, 9, 1)
    enrolment.save(update_fields=["start_date"])
    signed_samples(personas, enrolment, [Sample.Outcome.DISAGREE_ACT] * 3 + [Sample.Outcome.AGREE] * 17)
    risk = risk_of(strategy, assessor)
    assert risk.tier == RiskTier.HIGH
    assert risk.reasons == ["First cohort on this qualification",
                            "Disagreement rate 15 % (3 of the last 20 sampled decisions)"]


def test_an_override_applies_and_says_so_and_a_withdrawn_one_does_not(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    AssessorRiskOverride.objects.create(centre=personas.centre, qualification=version.qualification,
                                        assessor=assessor, tier=RiskTier.MEDIUM, reason="Older override",
                                        set_by=personas.moderator)
    override = AssessorRiskOverride.objects.create(centre=personas.centre, qualification=version.qualification,
                                                   assessor=assessor, tier=RiskTier.HIGH,
                                                   reason="New to this awarding body's standards",
                                                   set_by=personas.moderator)
    risk = risk_of(strategy, assessor)
    assert (risk.tier, risk.computed_tier, risk.override) == (RiskTier.HIGH, RiskTier.LOW, override)
    assert risk.reasons[-1] == (f"Overridden to high by {personas.moderator.display_name} (computed: low): "
                                "New to this awarding body's standards")
    AssessorRiskOverride.objects.filter(pk=override.pk).update(withdrawn_at=timezone.now())
    AssessorRiskOverride.objects.exclude(pk=override.pk).update(withdrawn_at=timezone.now())
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_an_override_for_another_qualification_does_not_apply(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    other_version = make_spec(personas.centre, code="OTHER-L2", units=1, outcomes=1, criteria=1)
    AssessorRiskOverride.objects.create(centre=personas.centre, qualification=other_version.qualification,
                                        assessor=assessor, tier=RiskTier.HIGH, reason="x",
                                        set_by=personas.moderator)
    assert risk_of(strategy, assessor).override is None


def build_assessors(personas, version, count):
    for _ in range(count):
        assessor = staff(personas.centre, Role.ASSESSOR)
        _, enrolment = established(personas, version, assessor)
        make_enrolment(learner(personas.centre, assessor), assessor, version)
        signed_samples(personas, enrolment, [Sample.Outcome.DISAGREE_ACT, Sample.Outcome.AGREE])
        SampleAction.objects.create(sample=Sample.objects.filter(assessor=assessor).first(), text="t",
                                    owner=assessor, due_date=TODAY - datetime.timedelta(days=3))
        AssessorRiskOverride.objects.create(centre=personas.centre, qualification=version.qualification,
                                            assessor=assessor, tier=RiskTier.LOW, reason="r",
                                            set_by=personas.moderator)


@pytest.mark.parametrize("count", [3, 10])
def test_assessor_risks_runs_a_fixed_number_of_queries(world, django_assert_num_queries, count):
    personas, version, strategy = world
    build_assessors(personas, version, count)
    with django_assert_num_queries(5):
        risks = assessor_risks(strategy=strategy, today=TODAY)
    assert len(risks) == count
    assert all(r.computed_tier == RiskTier.HIGH and r.tier == RiskTier.LOW for r in risks.values())


# --- Overrides -----------------------------------------------------------------------------------------

def override(personas, version, assessor, tier=RiskTier.HIGH, reason="Marking drifted at the last meeting"):
    return services.risk_override_set(centre=personas.centre, qualification=version.qualification,
                                      assessor=assessor, tier=tier, reason=reason, actor=personas.moderator)


def test_an_override_is_audited_and_replaces_the_one_in_force(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    first = override(personas, version, assessor, RiskTier.MEDIUM)
    second = override(personas, version, assessor, RiskTier.HIGH, reason="Second thoughts")
    first.refresh_from_db()
    assert first.withdrawn_at is not None and second.withdrawn_at is None
    event = AuditEvent.objects.get(action="iqa.risk_overridden", object_id=str(second.pk))
    assert event.data["tier"] == "high" and event.data["reason"] == "Second thoughts"
    assert event.data["replaces"] == [first.pk]
    assert risk_of(strategy, assessor).tier == RiskTier.HIGH


def test_an_override_without_a_reason_is_refused(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    with pytest.raises(StrategyError, match="Write why"):
        override(personas, version, assessor, reason="   ")
    assert not AssessorRiskOverride.objects.exists()


def test_an_override_for_someone_who_is_not_an_assessor_here_is_refused(world):
    personas, version, strategy = world
    with pytest.raises(StrategyError, match="not an assessor"):
        override(personas, version, personas.other_centre_assessor)
    assert not AssessorRiskOverride.objects.exists()


def test_another_centres_moderator_cannot_override_or_withdraw(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    theirs = staff(personas.other_centre, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.risk_override_set(centre=personas.centre, qualification=version.qualification, assessor=assessor,
                                   tier=RiskTier.HIGH, reason="x", actor=theirs)
    ours = override(personas, version, assessor)
    with pytest.raises(PermissionDenied):
        services.risk_override_withdraw(override=ours, actor=theirs)
    ours.refresh_from_db()
    assert ours.withdrawn_at is None


def test_withdrawing_an_override_twice_is_refused(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    ours = services.risk_override_withdraw(override=override(personas, version, assessor), actor=personas.moderator)
    with pytest.raises(StrategyError, match="already withdrawn"):
        services.risk_override_withdraw(override=ours, actor=personas.moderator)
    assert AuditEvent.objects.filter(action="iqa.risk_override_withdrawn").count() == 1


# --- The page ------------------------------------------------------------------------------------------

def test_the_page_says_why_each_assessor_has_their_tier_and_how_it_is_worked_out(world):
    personas, version, strategy = world
    established(personas, version)
    make_enrolment(personas.second_learner, personas.second_assessor, version)  # new to the centre, first cohort
    page = client_for(personas.moderator).get(reverse("iqa_assessor_risk", args=[strategy.pk])).text
    assert "How this is worked out" in page and "two or more of these facts apply" in page
    assert personas.second_assessor.display_name in page and "First cohort on this qualification" in page
    assert "At the centre for less than a month" in page
    assert "None of the risk facts apply" in page
    assert page.index(personas.second_assessor.display_name) < page.index(personas.assessor.display_name)  # high first


def test_a_moderator_overrides_and_withdraws_through_the_page(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    client = client_for(personas.moderator)
    url = reverse("iqa_risk_override", args=[strategy.pk])
    assert client.post(url, {"assessor": assessor.pk, "tier": "high", "reason": ""}).status_code == 302
    assert not AssessorRiskOverride.objects.exists()
    client.post(url, {"assessor": assessor.pk, "tier": "high", "reason": "New awarding body standards"})
    page = client.get(reverse("iqa_assessor_risk", args=[strategy.pk])).text
    assert "Overridden to high by" in page and "New awarding body standards" in page
    ours = AssessorRiskOverride.objects.get()
    client.post(reverse("iqa_risk_override_withdraw", args=[strategy.pk]), {"override": ours.pk})
    ours.refresh_from_db()
    assert ours.withdrawn_at is not None
    assert risk_of(strategy, assessor).tier == RiskTier.LOW


def test_a_centre_admin_reads_the_risk_page_without_override_forms(world):
    personas, version, strategy = world
    established(personas, version)
    client = client_for(personas.admin)
    page = client.get(reverse("iqa_assessor_risk", args=[strategy.pk]))
    assert page.status_code == 200 and reverse("iqa_risk_override", args=[strategy.pk]) not in page.text
    assert client.post(reverse("iqa_risk_override", args=[strategy.pk]),
                       {"assessor": personas.assessor.pk, "tier": "high", "reason": "x"}).status_code == 403
    assert not AssessorRiskOverride.objects.exists()


def test_another_centres_moderator_gets_404_and_changes_nothing(world):
    personas, version, strategy = world
    established(personas, version)
    client = client_for(staff(personas.other_centre, Role.MODERATOR))
    assert client.get(reverse("iqa_assessor_risk", args=[strategy.pk])).status_code == 404
    assert client.post(reverse("iqa_risk_override", args=[strategy.pk]),
                       {"assessor": personas.assessor.pk, "tier": "high", "reason": "x"}).status_code == 404
    assert not AssessorRiskOverride.objects.exists()


def test_the_override_page_refuses_an_override_of_another_qualification(world):
    personas, version, strategy = world
    assessor, _ = established(personas, version)
    other_version = make_spec(personas.centre, code="OTHER-L2", units=1, outcomes=1, criteria=1)
    theirs = AssessorRiskOverride.objects.create(centre=personas.centre, qualification=other_version.qualification,
                                                 assessor=assessor, tier=RiskTier.HIGH, reason="x",
                                                 set_by=personas.moderator)
    client_for(personas.moderator).post(reverse("iqa_risk_override_withdraw", args=[strategy.pk]),
                                        {"override": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


def test_the_risk_page_runs_the_same_number_of_queries_for_3_and_10_assessors(world):
    personas, version, strategy = world
    client = client_for(personas.moderator)
    url = reverse("iqa_assessor_risk", args=[strategy.pk])
    counts = []
    for n in (3, 7):
        build_assessors(personas, version, n)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
