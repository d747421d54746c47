"""Sampling strategies (versioned, approved by a moderator with their typed name) and assessor risk overrides.

A strategy is edited only as a draft. Approving a draft retires the version approved before it, in the same
transaction, so a centre and qualification always have at most one approved strategy. A change to an approved
strategy is a new draft version that starts as a copy of it.
"""

import unicodedata

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role
from centres.services import ServiceError, ensure_role
from centres.workflow import check_move, move_status
from moderation.models import DEFAULT_TIER_RATES, AssessorRiskOverride, RiskTier, SamplingStrategy, TierRate
from qualifications.models import Qualification

Status = SamplingStrategy.Status

RATE_FIELDS = ("learner_percent", "units_per_learner", "unit_percent", "interim_percent", "observations_per_year")
STRATEGY_FIELDS = ("cycle_start_month", "cycle_start_day", "cycle_months", "cover_assessor_units", "cover_methods",
                   "cover_locations", "cover_resubmissions", "square_root_rule", "gate_certification", "notes")
MAX_OBSERVATIONS = 52
MAX_UNITS_PER_LEARNER = 100


class StrategyError(ServiceError):
    """A refused strategy act, naming the form field the problem belongs to (None: the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Checks ------------------------------------------------------------------------------------------

def _ensure_moderator(actor: User, centre: Centre) -> None:
    ensure_role(actor, centre, Role.MODERATOR)


def _ensure_qualification_of(centre: Centre, qualification: Qualification) -> None:
    if qualification.centre_id != centre.pk:
        raise StrategyError(_("This qualification belongs to another centre."))


def _ensure_draft(strategy: SamplingStrategy) -> None:
    if strategy.status != Status.DRAFT:
        raise StrategyError(_("Version %(version)s is %(status)s and can no longer be changed; start a new version "
                              "to change the strategy.") % {"version": strategy.version,
                                                            "status": strategy.get_status_display().lower()})


def _rates_data(strategy: SamplingStrategy) -> dict[str, dict]:
    return {r.tier: {f: getattr(r, f) for f in RATE_FIELDS} for r in strategy.tier_rates.all()}


def _strategy_data(strategy: SamplingStrategy) -> dict:
    return {**{f: getattr(strategy, f) for f in STRATEGY_FIELDS}, "version": strategy.version,
            "qualification": strategy.qualification_id, "rates": _rates_data(strategy)}


def _audit(action: str, *, strategy: SamplingStrategy, actor: User, **data) -> None:
    audit_record(action=action, actor=actor, centre=strategy.centre, target=strategy,
                 data={"version": strategy.version, "qualification": strategy.qualification_id, **data})


# --- Versions ----------------------------------------------------------------------------------------

def strategy_create(*, centre: Centre, qualification: Qualification, actor: User) -> SamplingStrategy:
    """A new draft: version 1 with the default tier rates, or the next version as a copy of the approved one."""
    _ensure_moderator(actor, centre)
    _ensure_qualification_of(centre, qualification)
    with transaction.atomic():
        Qualification.objects.select_for_update().get(pk=qualification.pk)  # one new version at a time
        versions = SamplingStrategy.objects.filter(centre=centre, qualification=qualification)
        draft = versions.filter(status=Status.DRAFT).first()
        if draft is not None:
            raise StrategyError(_("Version %(version)s is already a draft: edit or approve it instead of starting "
                                  "another.") % {"version": draft.version})
        source = versions.filter(status=Status.APPROVED).prefetch_related("tier_rates").first()
        number = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
        fields = {f: getattr(source, f) for f in STRATEGY_FIELDS} if source else {}
        strategy = SamplingStrategy.objects.create(centre=centre, qualification=qualification, version=number,
                                                   created_by=actor, **fields)
        rates = _rates_data(source) if source else {tier.value: dict(r) for tier, r in DEFAULT_TIER_RATES.items()}
        TierRate.objects.bulk_create(TierRate(strategy=strategy, tier=tier, **rates[tier]) for tier in RiskTier.values)
        _audit("iqa.strategy_created", strategy=strategy, actor=actor,
               copied_from=source.version if source else None, rates=rates)
    return strategy


def strategy_update(*, strategy: SamplingStrategy, actor: User, rates: dict[str, dict] | None = None,
                    **fields) -> SamplingStrategy:
    """Change a draft's cycle, coverage rules, options, notes (`fields`, any of STRATEGY_FIELDS) and tier rates
    (`rates`: {tier: {field: value}}, any of RATE_FIELDS; units are a number or a percentage, not both)."""
    _ensure_moderator(actor, strategy.centre)
    unknown = set(fields) - set(STRATEGY_FIELDS)
    if unknown:
        raise TypeError(f"strategy_update() got unexpected fields: {sorted(unknown)}")
    _check_cycle({**{f: getattr(strategy, f) for f in ("cycle_start_month", "cycle_start_day", "cycle_months")},
                  **fields})
    with transaction.atomic():
        fresh = SamplingStrategy.objects.select_for_update().select_related("centre").get(pk=strategy.pk)
        _ensure_draft(fresh)
        current = {r.tier: r for r in fresh.tier_rates.all()}
        changed_rates = _checked_rates(current, rates or {})
        for name, value in fields.items():
            setattr(fresh, name, value)
        if fields:
            fresh.save(update_fields=list(fields))
        for tier, values in changed_rates.items():
            for name, value in values.items():
                setattr(current[tier], name, value)
            current[tier].save(update_fields=list(values))
        _audit("iqa.strategy_updated", strategy=fresh, actor=actor, fields=fields, rates=changed_rates)
    return fresh


def _check_cycle(values: dict) -> None:
    month, day, months = values["cycle_start_month"], values["cycle_start_day"], values["cycle_months"]
    if not 1 <= month <= 12:
        raise StrategyError(_("The cycle's first month must be between 1 and 12."), field="cycle_start_month")
    if not 1 <= day <= 28:
        raise StrategyError(_("The cycle's first day must be between 1 and 28, so it exists in every month."),
                            field="cycle_start_day")
    if not 1 <= months <= 12:
        raise StrategyError(_("A cycle is 1 to 12 months long."), field="cycle_months")


def _checked_rates(current: dict[str, TierRate], rates: dict[str, dict]) -> dict[str, dict]:
    """The changes, checked: every percentage 0-100, units as a number or a percentage."""
    checked = {}
    for tier, values in rates.items():
        if tier not in current:
            raise StrategyError(_("There is no tier %(tier)s.") % {"tier": tier})
        unknown = set(values) - set(RATE_FIELDS)
        if unknown:
            raise TypeError(f"unknown rate fields: {sorted(unknown)}")
        merged = {**{f: getattr(current[tier], f) for f in RATE_FIELDS}, **values}
        _check_rate(tier, merged)
        checked[tier] = dict(values)
    return checked


def _check_rate(tier: str, rate: dict) -> None:
    """Refuses naming the form field `<tier>_<name>` (units: `<tier>_units_value`)."""
    label = RiskTier(tier).label
    for name in ("learner_percent", "interim_percent", "unit_percent"):
        value = rate[name]
        if value is not None and not (isinstance(value, int) and 0 <= value <= 100):
            raise StrategyError(_("%(tier)s tier: a percentage must be a whole number from 0 to 100 (%(value)s "
                                  "given).") % {"tier": label, "value": value},
                                field=f"{tier}_{'units_value' if name == 'unit_percent' else name}")
    units, share = rate["units_per_learner"], rate["unit_percent"]
    if (units is None) == (share is None):
        raise StrategyError(_("%(tier)s tier: give the units per sampled learner either as a number or as a "
                              "percentage.") % {"tier": label}, field=f"{tier}_units_value")
    if units is not None and not (isinstance(units, int) and 1 <= units <= MAX_UNITS_PER_LEARNER):
        raise StrategyError(_("%(tier)s tier: units per sampled learner must be from 1 to %(max)s.")
                            % {"tier": label, "max": MAX_UNITS_PER_LEARNER}, field=f"{tier}_units_value")
    observations = rate["observations_per_year"]
    if not (isinstance(observations, int) and 0 <= observations <= MAX_OBSERVATIONS):
        raise StrategyError(_("%(tier)s tier: observations a year must be from 0 to %(max)s.")
                            % {"tier": label, "max": MAX_OBSERVATIONS}, field=f"{tier}_observations_per_year")


def _comparable(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _check_typed_name(actor: User, typed_name: str) -> None:
    full_name = actor.get_full_name().strip()
    if not full_name:
        raise StrategyError(_("Your profile has no name. Add your name on your profile page, then approve."),
                            field="typed_name")
    if _comparable(typed_name) != _comparable(full_name):
        raise StrategyError(_("Type your full name as it is on your profile: %(name)s.") % {"name": full_name},
                            field="typed_name")


def strategy_approve(*, strategy: SamplingStrategy, actor: User, typed_name: str) -> SamplingStrategy:
    """A moderator approves a draft with their typed full name; the version approved before it is retired."""
    _ensure_moderator(actor, strategy.centre)
    _check_typed_name(actor, typed_name)
    with transaction.atomic():
        versions = SamplingStrategy.objects.select_for_update().filter(
            centre=strategy.centre_id, qualification=strategy.qualification_id)
        locked = {s.pk: s for s in versions.order_by("pk")}
        fresh = locked[strategy.pk]
        fresh.centre = strategy.centre
        if fresh.status == Status.APPROVED:
            raise StrategyError(_("Version %(version)s was already approved by %(name)s on %(date)s.") % {
                "version": fresh.version, "name": fresh.approved_name,
                "date": date_format(timezone.localtime(fresh.approved_at), "DATE_FORMAT")})
        check_move(fresh, Status.APPROVED, refusal=_("Version %(version)s is %(status)s and cannot be approved.")
                   % {"version": fresh.version, "status": fresh.get_status_display().lower()})
        previous = next((s for s in locked.values() if s.status == Status.APPROVED), None)
        if previous is not None:
            move_status(previous, Status.RETIRED)
            previous.save(update_fields=["status"])
        move_status(fresh, Status.APPROVED)
        fresh.approved_by, fresh.approved_name, fresh.approved_at = actor, " ".join(typed_name.split()), timezone.now()
        fresh.save(update_fields=["status", "approved_by", "approved_name", "approved_at"])
        _audit("iqa.strategy_approved", strategy=fresh, actor=actor, name=fresh.approved_name,
               approved_at=fresh.approved_at.isoformat(), retired=previous.version if previous else None,
               content=_strategy_data(fresh))
    return fresh


def strategy_discard(*, strategy: SamplingStrategy, actor: User) -> SamplingStrategy:
    """Give up a draft: it is retired, never approved (and kept, like every version)."""
    _ensure_moderator(actor, strategy.centre)
    with transaction.atomic():
        fresh = SamplingStrategy.objects.select_for_update().select_related("centre").get(pk=strategy.pk)
        _ensure_draft(fresh)
        move_status(fresh, Status.RETIRED)
        fresh.save(update_fields=["status"])
        _audit("iqa.strategy_discarded", strategy=fresh, actor=actor)
    return fresh


# --- Assessor risk overrides ---------------------------------------------------------------------------

def risk_override_set(*, centre: Centre, qualification: Qualification, assessor: User, tier: str, reason: str,
                      actor: User) -> AssessorRiskOverride:
    """A moderator puts an assessor in a tier, with a written reason; it replaces the override in force."""
    _ensure_moderator(actor, centre)
    _ensure_qualification_of(centre, qualification)
    if tier not in RiskTier.values:
        raise StrategyError(_("Choose a tier: high, medium or low."), field="tier")
    reason = reason.strip()
    if not reason:
        raise StrategyError(_("Write why this assessor belongs in another tier."), field="reason")
    if not Membership.objects.filter(centre=centre, user=assessor, role=Role.ASSESSOR).exists():
        raise StrategyError(_("%(name)s is not an assessor at this centre.") % {"name": assessor})
    with transaction.atomic():
        in_force = AssessorRiskOverride.objects.select_for_update().filter(
            centre=centre, qualification=qualification, assessor=assessor, withdrawn_at__isnull=True)
        replaced = [o.pk for o in in_force]
        now = timezone.now()
        AssessorRiskOverride.objects.filter(pk__in=replaced).update(withdrawn_at=now)
        override = AssessorRiskOverride.objects.create(centre=centre, qualification=qualification, assessor=assessor,
                                                       tier=tier, reason=reason, set_by=actor)
        audit_record(action="iqa.risk_overridden", actor=actor, centre=centre, target=override, subject=assessor,
                     data={"qualification": qualification.pk, "assessor": assessor.pk, "tier": tier,
                           "reason": reason, "replaces": replaced})
    return override


def risk_override_withdraw(*, override: AssessorRiskOverride, actor: User) -> AssessorRiskOverride:
    """Withdraw an override: the computed tier applies again."""
    _ensure_moderator(actor, override.centre)
    with transaction.atomic():
        fresh = AssessorRiskOverride.objects.select_for_update().get(pk=override.pk)
        if fresh.withdrawn_at is not None:
            raise StrategyError(_("This override was already withdrawn."))
        fresh.withdrawn_at = timezone.now()
        fresh.save(update_fields=["withdrawn_at"])
        audit_record(action="iqa.risk_override_withdrawn", actor=actor, centre=override.centre, target=fresh,
                     subject=fresh.assessor, data={"qualification": fresh.qualification_id,
                                                   "assessor": fresh.assessor_id, "tier": fresh.tier})
    return fresh
