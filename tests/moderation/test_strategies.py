"""Sampling strategies: versions, editing drafts, approval with a typed name, and their pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from centres.services import ServiceError
from moderation.models import RiskTier, SamplingStrategy, TierRate
from moderation.strategies import services
from moderation.strategies.selectors import current_strategy, strategies_by_qualification
from moderation.strategies.services import StrategyError
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_spec

Status = SamplingStrategy.Status


@pytest.fixture
def qualification(personas):
    return make_spec(personas.centre, code="STRAT-L3", units=2, outcomes=1, criteria=1).qualification


def new_draft(personas, qualification):
    return services.strategy_create(centre=personas.centre, qualification=qualification, actor=personas.moderator)


def approve(personas, strategy):
    return services.strategy_approve(strategy=strategy, actor=personas.moderator,
                                     typed_name=personas.moderator.get_full_name())


def rates_of(strategy) -> dict:
    return {r.tier: (r.learner_percent, r.units_per_learner, r.unit_percent, r.interim_percent,
                     r.observations_per_year) for r in TierRate.objects.filter(strategy=strategy)}


DEFAULTS = {"high": (100, None, 100, 50, 2), "medium": (50, 1, None, 30, 1), "low": (20, 1, None, 25, 1)}


# --- Services ------------------------------------------------------------------------------------------

def test_a_first_strategy_is_a_draft_version_one_with_the_default_rates_and_coverage_rules(personas, qualification):
    strategy = new_draft(personas, qualification)
    assert (strategy.version, strategy.status) == (1, Status.DRAFT)
    assert rates_of(strategy) == DEFAULTS
    assert (strategy.cycle_start_day, strategy.cycle_start_month, strategy.cycle_months) == (1, 8, 12)
    assert strategy.cover_assessor_units and strategy.cover_methods and strategy.cover_locations
    assert strategy.cover_resubmissions and not strategy.square_root_rule
    assert AuditEvent.objects.filter(action="iqa.strategy_created", object_id=str(strategy.pk)).count() == 1


def test_a_new_version_copies_the_approved_one_and_approving_it_retires_the_old(personas, qualification):
    first = new_draft(personas, qualification)
    services.strategy_update(strategy=first, actor=personas.moderator, cycle_start_month=9, notes="Keep",
                             rates={"low": {"learner_percent": 35}})
    approve(personas, first)
    second = new_draft(personas, qualification)
    assert (second.version, second.status, second.cycle_start_month, second.notes) == (2, Status.DRAFT, 9, "Keep")
    assert rates_of(second)["low"] == (35, 1, None, 25, 1)
    assert current_strategy(centre=personas.centre, qualification=qualification) == first
    approve(personas, second)
    first.refresh_from_db()
    assert first.status == Status.RETIRED
    assert current_strategy(centre=personas.centre, qualification=qualification) == second
    event = AuditEvent.objects.get(action="iqa.strategy_approved", object_id=str(second.pk))
    assert event.data["retired"] == 1 and event.data["name"] == personas.moderator.get_full_name()


def test_a_second_draft_is_refused_while_one_exists(personas, qualification):
    new_draft(personas, qualification)
    with pytest.raises(StrategyError, match="already a draft"):
        new_draft(personas, qualification)
    assert SamplingStrategy.objects.filter(qualification=qualification).count() == 1


def test_a_draft_rate_can_be_given_as_a_share_of_units(personas, qualification):
    strategy = new_draft(personas, qualification)
    services.strategy_update(strategy=strategy, actor=personas.moderator,
                             rates={"medium": {"units_per_learner": None, "unit_percent": 40}})
    assert rates_of(strategy)["medium"] == (50, None, 40, 30, 1)


@pytest.mark.parametrize("rates,message", [
    ({"high": {"learner_percent": 101}}, "from 0 to 100"),
    ({"medium": {"interim_percent": -1}}, "from 0 to 100"),
    ({"low": {"unit_percent": 150, "units_per_learner": None}}, "from 0 to 100"),
    ({"low": {"unit_percent": 20}}, "either as a number or as a percentage"),
    ({"low": {"units_per_learner": None}}, "either as a number or as a percentage"),
    ({"high": {"observations_per_year": 400}}, "observations a year"),
])
def test_rates_outside_their_bounds_are_refused_and_nothing_changes(personas, qualification, rates, message):
    strategy = new_draft(personas, qualification)
    with pytest.raises(StrategyError, match=message):
        services.strategy_update(strategy=strategy, actor=personas.moderator, notes="changed",
                                 rates={"medium": {"learner_percent": 60}, **rates})
    strategy.refresh_from_db()
    assert rates_of(strategy) == DEFAULTS and strategy.notes == ""
    assert not AuditEvent.objects.filter(action="iqa.strategy_updated").exists()


def test_a_cycle_that_does_not_tile_the_year_is_refused(personas, qualification):
    strategy = new_draft(personas, qualification)
    for fields in ({"cycle_months": 13}, {"cycle_start_day": 31}, {"cycle_start_month": 0}):
        with pytest.raises(StrategyError):
            services.strategy_update(strategy=strategy, actor=personas.moderator, **fields)
    strategy.refresh_from_db()
    assert (strategy.cycle_start_day, strategy.cycle_start_month, strategy.cycle_months) == (1, 8, 12)


def test_an_approved_strategy_cannot_be_edited(personas, qualification):
    strategy = approve(personas, new_draft(personas, qualification))
    with pytest.raises(StrategyError, match="start a new version"):
        services.strategy_update(strategy=strategy, actor=personas.moderator, rates={"low": {"learner_percent": 5}})
    assert rates_of(strategy)["low"][0] == 20


def test_approving_twice_is_refused_and_changes_nothing(personas, qualification):
    strategy = approve(personas, new_draft(personas, qualification))
    approved_at = SamplingStrategy.objects.get(pk=strategy.pk).approved_at
    with pytest.raises(StrategyError, match="already approved"):
        approve(personas, strategy)
    assert SamplingStrategy.objects.get(pk=strategy.pk).approved_at == approved_at
    assert AuditEvent.objects.filter(action="iqa.strategy_approved").count() == 1


def test_approval_needs_the_moderators_own_name(personas, qualification):
    strategy = new_draft(personas, qualification)
    with pytest.raises(StrategyError, match="Type your full name"):
        services.strategy_approve(strategy=strategy, actor=personas.moderator, typed_name="Someone Else")
    strategy.refresh_from_db()
    assert strategy.status == Status.DRAFT and strategy.approved_at is None
    # Case and spacing do not matter.
    services.strategy_approve(strategy=strategy, actor=personas.moderator,
                              typed_name="  " + personas.moderator.get_full_name().upper().replace(" ", "  "))
    strategy.refresh_from_db()
    assert strategy.status == Status.APPROVED


def test_a_discarded_draft_cannot_be_approved(personas, qualification):
    strategy = services.strategy_discard(strategy=new_draft(personas, qualification), actor=personas.moderator)
    with pytest.raises(ServiceError, match="retired and cannot be approved"):
        approve(personas, strategy)


@pytest.mark.parametrize("who", ["admin", "assessor", "other_centre_assessor", "learner"])
def test_only_the_centres_moderators_create_edit_and_approve_strategies(personas, qualification, who):
    actor = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        services.strategy_create(centre=personas.centre, qualification=qualification, actor=actor)
    strategy = new_draft(personas, qualification)
    with pytest.raises(PermissionDenied):
        services.strategy_update(strategy=strategy, actor=actor, notes="x")
    with pytest.raises(PermissionDenied):
        services.strategy_approve(strategy=strategy, actor=actor, typed_name=actor.get_full_name())
    strategy.refresh_from_db()
    assert strategy.status == Status.DRAFT and strategy.notes == ""


def test_a_strategy_for_another_centres_qualification_is_refused(personas):
    theirs = make_spec(personas.other_centre, code="THEIRS").qualification
    with pytest.raises(StrategyError, match="another centre"):
        services.strategy_create(centre=personas.centre, qualification=theirs, actor=personas.moderator)
    assert not SamplingStrategy.objects.exists()


def test_the_list_reads_every_qualification_in_a_fixed_number_of_queries(personas, django_assert_num_queries):
    for n in range(4):
        q = make_spec(personas.centre, code=f"Q{n}", units=1, outcomes=1, criteria=1).qualification
        approve(personas, new_draft(personas, q))
        new_draft(personas, q)
    with django_assert_num_queries(3):
        rows = strategies_by_qualification(centre=personas.centre)
    assert [(r.approved.version, r.draft.version, r.versions) for r in rows] == [(1, 2, 2)] * 4


# --- Pages ---------------------------------------------------------------------------------------------

def test_a_moderator_starts_edits_and_approves_a_strategy_through_the_pages(personas, qualification):
    client = client_for(personas.moderator)
    assert "STRAT-L3" in client.get(reverse("iqa_strategy_list")).text
    response = client.post(reverse("iqa_strategy_new"), {"qualification": qualification.pk})
    strategy = SamplingStrategy.objects.get(qualification=qualification)
    assert response.url == reverse("iqa_strategy_edit", args=[strategy.pk])
    page = client.get(response.url)
    assert "not recommended" in page.text.lower()
    data = {"cycle_start_day": 1, "cycle_start_month": 9, "cycle_months": 12, "cover_assessor_units": "on",
            "cover_methods": "on", "notes": "Agreed at the standardisation meeting"}
    for tier, (learners, units, share, interim, observations) in DEFAULTS.items():
        data.update({f"{tier}_learner_percent": learners, f"{tier}_interim_percent": interim,
                     f"{tier}_observations_per_year": observations,
                     f"{tier}_units_kind": "number" if units else "percent", f"{tier}_units_value": units or share})
    data["low_learner_percent"] = 30
    response = client.post(reverse("iqa_strategy_edit", args=[strategy.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    strategy.refresh_from_db()
    assert (strategy.cycle_start_month, strategy.cover_locations, strategy.cover_resubmissions) == (9, False, False)
    assert rates_of(strategy)["low"] == (30, 1, None, 25, 1)
    detail = client.get(reverse("iqa_strategy_detail", args=[strategy.pk]))
    assert "1 September" in detail.text and "30 %" in detail.text
    client.post(reverse("iqa_strategy_approve", args=[strategy.pk]),
                {"typed_name": personas.moderator.get_full_name()})
    strategy.refresh_from_db()
    assert strategy.status == Status.APPROVED


def test_the_edit_page_shows_a_rate_over_100_percent_next_to_its_field_and_saves_nothing(personas, qualification):
    strategy = new_draft(personas, qualification)
    data = {"cycle_start_day": 1, "cycle_start_month": 8, "cycle_months": 12}
    for tier in RiskTier.values:
        data.update({f"{tier}_learner_percent": 50, f"{tier}_interim_percent": 30,
                     f"{tier}_observations_per_year": 1, f"{tier}_units_kind": "number", f"{tier}_units_value": 1})
    data["high_learner_percent"] = 120
    response = client_for(personas.moderator).post(reverse("iqa_strategy_edit", args=[strategy.pk]), data)
    assert response.status_code == 200
    assert "from 0 to 100" in str(response.context["form"].errors["high_learner_percent"])
    assert rates_of(strategy) == DEFAULTS


def test_approving_with_the_wrong_name_on_the_page_says_so(personas, qualification):
    strategy = new_draft(personas, qualification)
    response = client_for(personas.moderator).post(reverse("iqa_strategy_approve", args=[strategy.pk]),
                                                   {"typed_name": "Not Me"})
    assert response.status_code == 400 and "Type your full name" in response.text
    strategy.refresh_from_db()
    assert strategy.status == Status.DRAFT


def test_the_edit_page_of_an_approved_version_sends_the_moderator_back_with_the_reason(personas, qualification):
    strategy = approve(personas, new_draft(personas, qualification))
    client = client_for(personas.moderator)
    response = client.get(reverse("iqa_strategy_edit", args=[strategy.pk]), follow=True)
    assert "start a new version" in response.text


def test_a_centre_admin_reads_the_strategies_but_has_no_buttons(personas, qualification):
    approved = approve(personas, new_draft(personas, qualification))
    draft = new_draft(personas, qualification)
    client = client_for(personas.admin)
    listing = client.get(reverse("iqa_strategy_list"))
    assert listing.status_code == 200 and reverse("iqa_strategy_new") not in listing.text
    for strategy in (approved, draft):
        detail = client.get(reverse("iqa_strategy_detail", args=[strategy.pk]))
        assert detail.status_code == 200
        for name in ("iqa_strategy_approve", "iqa_strategy_edit", "iqa_strategy_discard"):
            assert reverse(name, args=[strategy.pk]) not in detail.text
        assert reverse("iqa_strategy_new") not in detail.text
    moderator_view = client_for(personas.moderator).get(reverse("iqa_strategy_detail", args=[draft.pk])).text
    assert reverse("iqa_strategy_approve", args=[draft.pk]) in moderator_view
    assert client.post(reverse("iqa_strategy_new"), {"qualification": qualification.pk}).status_code == 403


@pytest.mark.parametrize("who,status", [("assessor", 403), ("learner", 403)])
def test_assessors_and_learners_cannot_open_strategies(personas, qualification, who, status):
    strategy = new_draft(personas, qualification)
    client = client_for(getattr(personas, who))
    for name in ("iqa_strategy_detail", "iqa_strategy_edit", "iqa_assessor_risk"):
        assert client.get(reverse(name, args=[strategy.pk])).status_code == status
    assert client.get(reverse("iqa_strategy_list")).status_code == status


def test_an_external_moderator_without_a_grant_gets_404_for_strategies(personas, qualification):
    strategy = new_draft(personas, qualification)
    client = client_for(personas.external_moderator)
    for name in ("iqa_strategy_detail", "iqa_strategy_edit", "iqa_assessor_risk"):
        assert client.get(reverse(name, args=[strategy.pk])).status_code == 404, name
    assert client.get(reverse("iqa_strategy_list")).status_code == 404


def test_an_external_moderator_under_a_grant_reads_strategies_but_cannot_edit_them(personas, qualification):
    strategy = new_draft(personas, qualification)
    make_grant(personas)
    client = client_for(personas.external_moderator)
    for name in ("iqa_strategy_detail", "iqa_assessor_risk"):
        assert client.get(reverse(name, args=[strategy.pk])).status_code == 200, name
    assert client.get(reverse("iqa_strategy_list")).status_code == 200
    assert client.get(reverse("iqa_strategy_edit", args=[strategy.pk])).status_code == 403
    before = SamplingStrategy.objects.count()
    assert client.post(reverse("iqa_strategy_new"), {"qualification": qualification.pk}).status_code == 403
    assert SamplingStrategy.objects.count() == before


def test_another_centres_staff_get_404_for_a_strategy(personas, qualification):
    strategy = new_draft(personas, qualification)
    from centres.models import Role
    from tests.factories import staff

    for role in (Role.MODERATOR, Role.CENTRE_ADMIN):
        client = client_for(staff(personas.other_centre, role))
        for name in ("iqa_strategy_detail", "iqa_assessor_risk"):
            assert client.get(reverse(name, args=[strategy.pk])).status_code == 404
    other_moderator = client_for(staff(personas.other_centre, Role.MODERATOR))
    assert other_moderator.get(reverse("iqa_strategy_edit", args=[strategy.pk])).status_code == 404
    assert other_moderator.post(reverse("iqa_strategy_approve", args=[strategy.pk]),
                                {"typed_name": "x"}).status_code == 404
    assert other_moderator.post(reverse("iqa_strategy_new"), {"qualification": qualification.pk}).status_code == 302
    strategy.refresh_from_db()
    assert strategy.status == Status.DRAFT
    assert SamplingStrategy.objects.count() == 1


def test_the_cycle_of_a_strategy_runs_from_its_start_for_its_length(personas, qualification):
    strategy = new_draft(personas, qualification)
    assert strategy.cycle_for(2026) == (datetime.date(2026, 8, 1), datetime.date(2027, 7, 31))
