"""Sampling plans: generating one for a strategy and cycle (reproducibly, with a stored seed), regenerating it
after the cohort changed (plan n+1, with what was added and removed), and a moderator's changes to its items.

Regenerating keeps what the moderators decided on the plan it replaces: items added by hand stay, items removed
by hand stay removed (with their reason), and reassigned items keep their moderator.
"""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Role
from centres.services import ServiceError, has_role
from moderation.freshness import plan_items_changed
from moderation.models import DEFAULT_TIER_RATES, PlanItem, SampleKind, SamplingPlan, SamplingStrategy
from moderation.plans import generator, selectors
from moderation.strategies.risk import assessor_risks
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import Unit

PLAN_KINDS = (SampleKind.INTERIM, SampleKind.SUMMATIVE)
RATE_FIELDS = ("learner_percent", "units_per_learner", "unit_percent", "interim_percent")


class PlanError(ServiceError):
    """A refused sampling plan act."""


class PlanRefused(PlanError, PermissionDenied):
    """The actor may not act on this plan: shown as a message, or answered 403 where nothing catches it."""


def _ensure_moderator(actor: User | None, centre: Centre) -> None:
    if actor is None or not has_role(actor, centre, Role.MODERATOR):
        raise PlanRefused(_("Only an internal moderator of %(centre)s can change its sampling plans.")
                          % {"centre": centre.name})


def _ensure_current(plan: SamplingPlan) -> None:
    """The plan as stored now (the caller's copy may predate a regeneration), locked until the caller commits."""
    if not SamplingPlan.objects.select_for_update().filter(pk=plan.pk, current=True).exists():
        raise PlanError(_("Plan #%(number)s has been replaced by a newer plan; change the current one.")
                        % {"number": plan.number})


def plan_seed(*, strategy: SamplingStrategy, cycle_start: datetime.date) -> str:
    return hashlib.sha256(f"{strategy.pk}:{strategy.version}:{cycle_start.isoformat()}".encode()).hexdigest()[:32]


def _day(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _ensure_no_overlap(strategy: SamplingStrategy, start: datetime.date, end: datetime.date) -> None:
    clash = (SamplingPlan.objects.filter(centre_id=strategy.centre_id, current=True,
                                         strategy__qualification_id=strategy.qualification_id,
                                         cycle_start__lte=end, cycle_end__gte=start)
             .exclude(cycle_start=start).order_by("cycle_start").first())
    if clash:
        raise PlanError(_("The cycle %(start)s – %(end)s overlaps the cycle of plan #%(number)s (%(other_start)s – "
                          "%(other_end)s) for this qualification. Cycles must not overlap: check the strategy's "
                          "cycle start.") % {"start": _day(start), "end": _day(end), "number": clash.number,
                                             "other_start": _day(clash.cycle_start),
                                             "other_end": _day(clash.cycle_end)})


def _rates_of(strategy: SamplingStrategy) -> dict[str, dict]:
    rates = {tier.value: {f: values[f] for f in RATE_FIELDS} for tier, values in DEFAULT_TIER_RATES.items()}
    rates.update({r.tier: {f: getattr(r, f) for f in RATE_FIELDS} for r in strategy.tier_rates.all()})
    return rates


def _rules_of(strategy: SamplingStrategy) -> generator.CoverageRules:
    return generator.CoverageRules(assessor_units=strategy.cover_assessor_units, methods=strategy.cover_methods,
                                   locations=strategy.cover_locations, resubmissions=strategy.cover_resubmissions,
                                   square_root=strategy.square_root_rule)


def _key(enrolment_id: int, unit_id: int, kind: str) -> list:
    return [enrolment_id, unit_id, kind]


def sampling_plan_generate(*, strategy: SamplingStrategy, cycle_start_year: int, actor: User | None,
                           today: datetime.date | None = None) -> SamplingPlan:
    """Generate the plan of one cycle, or regenerate it (plan n+1, same seed) if it exists. `actor` None: the
    system (the `sampling_plan --generate` command)."""
    if actor is not None:
        _ensure_moderator(actor, strategy.centre)
    if strategy.status != SamplingStrategy.Status.APPROVED:
        raise PlanError(_("Version %(version)s of this strategy is not approved: a plan is generated only from the "
                          "approved strategy.") % {"version": strategy.version})
    start, end = strategy.cycle_for(cycle_start_year)
    _ensure_no_overlap(strategy, start, end)
    population = selectors.plan_population(strategy=strategy, cycle_end=end)
    risks = assessor_risks(strategy=strategy, today=today)
    tiers = {assessor_id: risk.tier for assessor_id, risk in risks.items()}
    rates = _rates_of(strategy)
    with transaction.atomic():
        previous = (SamplingPlan.objects.select_for_update()
                    .filter(centre_id=strategy.centre_id, strategy__qualification_id=strategy.qualification_id,
                            cycle_start=start, current=True).first())
        seed = previous.seed if previous else plan_seed(strategy=strategy, cycle_start=start)
        draws = generator.generate(population=population, rates=rates, tiers=tiers, rules=_rules_of(strategy),
                                   seed=seed)
        facts = selectors.population_facts(population, selectors.learner_facts_for(centre_id=strategy.centre_id))
        number = (SamplingPlan.objects.filter(strategy=strategy, cycle_start=start).aggregate(n=Max("number"))["n"]
                  or 0) + 1
        if previous:
            SamplingPlan.objects.filter(pk=previous.pk).update(current=False)  # the new plan's save forgets
        plan = SamplingPlan.objects.create(
            strategy=strategy, centre_id=strategy.centre_id, cycle_start=start, cycle_end=end, seed=seed,
            number=number, replaces=previous, generated_by=actor,
            summary={"seen": facts, "tiers": {str(a): t for a, t in sorted(tiers.items())}, "rates": rates,
                     "square_root_rule": strategy.square_root_rule, "strategy_version": strategy.version})
        items = _make_items(plan, draws, previous, actor)
        plan.summary["counts"] = _counts(items, population)
        if previous:
            plan.summary["diff"] = _diff(previous, items)
        plan.save(update_fields=["summary"])
        audit_record(action="iqa.plan_generated", actor=actor, centre=strategy.centre, target=plan,
                     data={"seed": seed, "number": number, "strategy": strategy.pk, "version": strategy.version,
                           "cycle_start": start.isoformat(), "counts": plan.summary["counts"],
                           "replaces": previous.pk if previous else None,
                           "diff": {k: len(v) for k, v in plan.summary.get("diff", {}).items()}})
    return plan


def _make_items(plan: SamplingPlan, draws: list[generator.Draw], previous: SamplingPlan | None,
                actor: User | None) -> list[PlanItem]:
    kept = {(i.enrolment_id, i.unit_id, i.kind): i for i in previous.items.all()} if previous else {}
    moderators = dict(Enrolment.objects.filter(pk__in={d.candidate.enrolment_id for d in draws})
                      .values_list("pk", "moderator_id")) if draws else {}
    items = []
    for draw in draws:
        c = draw.candidate
        old = kept.pop((c.enrolment_id, c.unit_id, c.kind), None)
        item = PlanItem(plan=plan, enrolment_id=c.enrolment_id, unit_id=c.unit_id, assessor_id=c.assessor_id,
                        kind=c.kind, method=draw.method[:32], location=draw.location[:200], reason=draw.reason,
                        moderator_id=moderators.get(c.enrolment_id) or (actor.pk if actor else None))
        if old is not None:
            item.moderator_id = old.moderator_id
            if old.removed_at:
                item.removed_at, item.removed_by_id, item.removed_reason = (old.removed_at, old.removed_by_id,
                                                                            old.removed_reason)
        items.append(item)
    # Items a moderator added by hand to the plan being replaced stay in the plan.
    items += [PlanItem(plan=plan, enrolment_id=old.enrolment_id, unit_id=old.unit_id, assessor_id=old.assessor_id,
                       kind=old.kind, method=old.method, location=old.location, reason=old.reason,
                       moderator_id=old.moderator_id, added_by_id=old.added_by_id, added_reason=old.added_reason)
              for old in kept.values() if old.added_by_id and not old.removed_at]
    for position, item in enumerate(items):
        item.position = position
    plan_items_changed(centre_id=plan.centre_id)  # bulk_create sends no post_save
    return PlanItem.objects.bulk_create(items, batch_size=1000)


def _counts(items: list[PlanItem], population: generator.Population) -> dict:
    active = [i for i in items if not i.removed_at]
    return {"items": len(active), "coverage": sum(1 for i in active if i.reason.startswith("coverage")),
            "rate": sum(1 for i in active if i.reason.startswith("rate")),
            "interim": sum(1 for i in active if i.kind == SampleKind.INTERIM),
            "summative": sum(1 for i in active if i.kind == SampleKind.SUMMATIVE),
            "candidates": len(population.candidates),
            "assessors": len({c.assessor_id for c in population.candidates})}


def _diff(previous: SamplingPlan, items: list[PlanItem]) -> dict:
    before = {(i.enrolment_id, i.unit_id, i.kind) for i in previous.items.filter(removed_at__isnull=True)}
    after = {(i.enrolment_id, i.unit_id, i.kind) for i in items if not i.removed_at}
    return {"added": [_key(*k) for k in sorted(after - before)],
            "removed": [_key(*k) for k in sorted(before - after)]}


# --- A moderator's changes to the items ---------------------------------------------------------------------

def plan_item_add(*, plan: SamplingPlan, enrolment: Enrolment, unit: Unit, kind: str, reason: str,
                  actor: User) -> PlanItem:
    _ensure_moderator(actor, plan.centre)
    reason = reason.strip()
    if not reason:
        raise PlanError(_("Say why you add this item: the reason is kept with the plan."))
    if kind not in PLAN_KINDS:
        raise PlanError(_("A plan item is interim (work in progress) or summative (a signed-off unit)."))
    if enrolment.centre_id != plan.centre_id or enrolment.version.qualification_id != plan.strategy.qualification_id:
        raise PlanError(_("This learner is not enrolled on the plan's qualification at this centre."))
    enrolment_unit = EnrolmentUnit.objects.filter(enrolment=enrolment, unit=unit).first()
    if enrolment_unit is None:
        raise PlanError(_("Unit %(unit)s is not one of this learner's units.") % {"unit": unit.code})
    if kind == SampleKind.SUMMATIVE and not enrolment_unit.locked_at:
        raise PlanError(_("Unit %(unit)s is not signed off yet: add it as interim.") % {"unit": unit.code})
    if plan.items.filter(enrolment=enrolment, unit=unit, kind=kind, removed_at__isnull=True).exists():
        raise PlanError(_("This unit is already in the plan."))
    with transaction.atomic():
        _ensure_current(plan)
        position = (plan.items.aggregate(n=Max("position"))["n"] or 0) + 1
        item = PlanItem.objects.create(
            plan=plan, enrolment=enrolment, unit=unit, assessor_id=enrolment.assessor_id, kind=kind,
            reason=(_("added by hand: %(reason)s") % {"reason": reason})[:300], position=position,
            moderator_id=enrolment.moderator_id or actor.pk, added_by=actor, added_reason=reason)
        audit_record(action="iqa.plan_item_added", actor=actor, centre=plan.centre, target=item, subject=enrolment,
                     data={"plan": plan.pk, "unit": unit.pk, "unit_code": unit.code, "kind": kind, "reason": reason})
    return item


def plan_item_remove(*, item: PlanItem, reason: str, actor: User) -> PlanItem:
    plan = item.plan
    _ensure_moderator(actor, plan.centre)
    reason = reason.strip()
    if not reason:
        raise PlanError(_("Say why you remove this item: the reason is kept with the plan."))
    if item.removed_at:
        raise PlanError(_("This item was already removed from the plan."))
    with transaction.atomic():
        _ensure_current(plan)
        item.removed_at, item.removed_by, item.removed_reason = timezone.now(), actor, reason
        item.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        audit_record(action="iqa.plan_item_removed", actor=actor, centre=plan.centre, target=item,
                     subject=item.enrolment,
                     data={"plan": plan.pk, "unit": item.unit_id, "kind": item.kind, "reason": reason,
                           "chosen_because": item.reason})
    return item


def plan_item_assign(*, item: PlanItem, moderator: User, actor: User) -> PlanItem:
    plan = item.plan
    _ensure_moderator(actor, plan.centre)
    if item.removed_at:
        raise PlanError(_("This item was removed from the plan."))
    if not has_role(moderator, plan.centre, Role.MODERATOR):
        raise PlanError(_("%(name)s is not an internal moderator of this centre.") % {"name": moderator})
    if item.moderator_id == moderator.pk:
        return item
    with transaction.atomic():
        _ensure_current(plan)
        before = item.moderator_id
        item.moderator = moderator
        item.save(update_fields=["moderator"])
        audit_record(action="iqa.plan_item_assigned", actor=actor, centre=plan.centre, target=item,
                     subject=item.enrolment,
                     data={"plan": plan.pk, "unit": item.unit_id, "from": before, "to": moderator.pk})
    return item
