"""The IQA dashboards: plan progress per assessor and per moderator, open actions, observations, cycle progress.

Read straight from the models in a fixed number of queries (four aggregates, the plans, and the names), so the
page costs the same at 30 learners as at 2,000. The definitions (also stated on the page):

- planned: the items (not removed) of the centre's current plans whose cycle includes today, plus items of an
  ended cycle's current plan that are still not done (they are overdue);
- done: the item has a signed (or signed and acknowledged) sample, also when it was signed on the same unit's
  item of a plan this one replaced;
- overdue: not done, and its plan's cycle has ended, or it is an interim item whose unit has already been signed
  off (the work-in-progress moment has passed);
- open actions: actions not closed (open, or done and awaiting the moderator); overdue: open and past due;
- observations due: scheduled observations; overdue: scheduled for a day before today;
- cycle progress: days elapsed since the cycle started ÷ days in the cycle;
- observations of practice (per assessor): recorded = observations recorded with a day in the current cycle;
  required = ceil(observations_per_year × cycle_months ÷ 12) of the assessor's risk tier in the approved strategy
  of each qualification they have items in (the highest if several; its cycle is the one counted); short when
  recorded < required.

The observation targets add a few queries per approved strategy (the strategies with their tier rates, the risk
tiers, the recorded observations per cycle), never per learner: a centre has a handful of qualifications.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from centres.models import Centre, Membership, Role
from portfolios.models import EnrolmentUnit

from ..models import (
    DEFAULT_TIER_RATES,
    Observation,
    PlanItem,
    Sample,
    SampleAction,
    SampleKind,
    SamplingPlan,
    SamplingStrategy,
)
from ..practice.selectors import observations_done_by_assessor
from ..samples.selectors import item_samples
from ..strategies.risk import assessor_risks

DONE_SAMPLE = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
NOT_CLOSED = (SampleAction.Status.OPEN, SampleAction.Status.DONE)


@dataclass
class Counts:
    planned: int = 0
    done: int = 0
    overdue: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    actions_to_close: int = 0  # done by the assessor, awaiting the moderator
    observations_due: int = 0
    observations_overdue: int = 0

    @property
    def remaining(self) -> int:
        return self.planned - self.done

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0

    def add(self, other: "Counts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ObservationTarget:
    """An assessor's observations of practice this cycle against what their risk tier asks for."""
    recorded: int
    required: int
    tier: str  # RiskTier value of the strategy that sets the target
    cycle_start: datetime.date
    cycle_end: datetime.date

    @property
    def short(self) -> bool:
        return self.recorded < self.required


@dataclass
class PersonRow:
    person: User | None  # None: items no moderator is assigned to
    counts: Counts = field(default_factory=Counts)
    observations: ObservationTarget | None = None  # assessors with items only


@dataclass
class PlanRow:
    plan: SamplingPlan
    today: datetime.date
    counts: Counts = field(default_factory=Counts)

    @property
    def cycle_days(self) -> int:
        return (self.plan.cycle_end - self.plan.cycle_start).days + 1

    @property
    def days_elapsed(self) -> int:
        return min(max((self.today - self.plan.cycle_start).days + 1, 0), self.cycle_days)

    @property
    def elapsed_percent(self) -> int:
        return round(100 * self.days_elapsed / self.cycle_days)

    @property
    def ended(self) -> bool:
        return self.today > self.plan.cycle_end


@dataclass
class Dashboard:
    today: datetime.date
    moderator: User | None
    assessors: list[PersonRow]
    moderators: list[PersonRow]
    plans: list[PlanRow]
    totals: Counts


def _plan_items(*, centre: Centre, moderator: User | None, today: datetime.date) -> list[dict]:
    """Planned, done and overdue per (plan, assessor, moderator). One query of one small row per item: each
    item's two facts (done; unit signed off) are asked once, and the rule applied here, which is cheaper than
    letting the database evaluate the subqueries again in every filtered aggregate."""
    done = item_samples().filter(status__in=DONE_SAMPLE)
    unit_signed = EnrolmentUnit.objects.filter(enrolment=OuterRef("enrolment_id"), unit=OuterRef("unit_id"),
                                               locked_at__isnull=False)
    items = PlanItem.objects.filter(plan__centre=centre, plan__current=True, plan__cycle_start__lte=today,
                                    removed_at__isnull=True)
    if moderator is not None:
        items = items.filter(Q(moderator=moderator) | Q(moderator__isnull=True))
    rows = (items.order_by().annotate(is_done=Exists(done), unit_signed=Exists(unit_signed))
            .values_list("plan", "assessor", "moderator", "kind", "plan__cycle_end", "is_done", "unit_signed",
                         "plan__strategy__qualification"))
    groups: dict[tuple, dict] = {}
    for plan, assessor, item_moderator, kind, cycle_end, is_done, signed, qualification in rows:
        ended = cycle_end < today
        if ended and is_done:
            continue  # a done item of an ended cycle has left the dashboard
        group = groups.setdefault((plan, assessor, item_moderator), {
            "plan": plan, "assessor": assessor, "moderator": item_moderator, "qualification": qualification,
            "planned": 0, "done": 0, "overdue": 0})
        group["planned"] += 1
        group["done"] += is_done
        group["overdue"] += not is_done and (ended or (kind == SampleKind.INTERIM and signed))
    return list(groups.values())


def _actions(*, centre: Centre, moderator: User | None, today: datetime.date):
    actions = SampleAction.objects.filter(sample__centre=centre, status__in=NOT_CLOSED)
    if moderator is not None:
        actions = actions.filter(sample__moderator=moderator)
    return (actions.order_by().values("sample__assessor", "sample__moderator")
            .annotate(open_actions=Count("pk"),
                      overdue_actions=Count("pk", filter=Q(status=SampleAction.Status.OPEN, due_date__lt=today)),
                      actions_to_close=Count("pk", filter=Q(status=SampleAction.Status.DONE))))


def _observations(*, centre: Centre, moderator: User | None, today: datetime.date):
    observations = Observation.objects.filter(centre=centre, status=Observation.Status.SCHEDULED)
    if moderator is not None:
        observations = observations.filter(moderator=moderator)
    return (observations.order_by().values("assessor", "moderator")
            .annotate(observations_due=Count("pk"),
                      observations_overdue=Count("pk", filter=Q(scheduled_for__lt=today))))


def _observation_targets(*, centre: Centre, qualifications: dict[int, set[int]],
                         today: datetime.date) -> dict[int, ObservationTarget]:
    """{assessor id: target} for the assessors in `qualifications` ({assessor id: qualification ids they have
    items in}). Queries: 2 (the approved strategies with their tier rates) + 5 per strategy (the risk tiers) +
    1 per distinct cycle (the recorded observations): constant in the number of learners, growing only with the
    centre's qualifications."""
    wanted = set().union(*qualifications.values()) if qualifications else set()
    if not wanted:
        return {}
    # Should two versions be approved, the newest (last) wins.
    strategies = {s.qualification_id: s for s in SamplingStrategy.objects.filter(
        centre=centre, status=SamplingStrategy.Status.APPROVED, qualification_id__in=wanted,
    ).prefetch_related("tier_rates").order_by("qualification_id", "version")}
    done_in: dict[tuple[datetime.date, datetime.date], dict[int, int]] = {}
    targets: dict[int, ObservationTarget] = {}
    for strategy in strategies.values():
        per_year = {tier.value: rates["observations_per_year"] for tier, rates in DEFAULT_TIER_RATES.items()}
        per_year.update({r.tier: r.observations_per_year for r in strategy.tier_rates.all()})
        cycle = strategy.cycle_for(strategy.cycle_start_year_of(today))
        if cycle not in done_in:
            done_in[cycle] = observations_done_by_assessor(centre=centre, cycle_start=cycle[0], cycle_end=cycle[1])
        risks = assessor_risks(strategy=strategy, today=today)
        for assessor_id, qualification_ids in qualifications.items():
            risk = risks.get(assessor_id)
            if strategy.qualification_id not in qualification_ids or risk is None:
                continue
            required = math.ceil(per_year[risk.tier] * strategy.cycle_months / 12)
            current = targets.get(assessor_id)
            if current is None or required > current.required:
                targets[assessor_id] = ObservationTarget(
                    recorded=done_in[cycle].get(assessor_id, 0), required=required, tier=risk.tier,
                    cycle_start=cycle[0], cycle_end=cycle[1])
    return targets


def moderator_dashboard(*, centre: Centre, moderator: User | None = None,
                        today: datetime.date | None = None) -> Dashboard:
    """The dashboard of one moderator (their items, and items no moderator is assigned to), or with `moderator`
    None of every moderator of the centre. Six queries, whatever the number of learners, items or actions, plus
    the observation targets' few per approved strategy (see `_observation_targets`)."""
    today = today or timezone.localdate()
    by_assessor: dict[int, Counts] = {}
    by_moderator: dict[int | None, Counts] = {}
    by_plan: dict[int, Counts] = {}

    def count(assessor_id, moderator_id, values, plan_id=None) -> None:
        counts = Counts(**{k: v for k, v in values.items() if k in Counts.__dataclass_fields__})
        by_assessor.setdefault(assessor_id, Counts()).add(counts)
        by_moderator.setdefault(moderator_id, Counts()).add(counts)
        if plan_id is not None:
            by_plan.setdefault(plan_id, Counts()).add(counts)

    qualifications: dict[int, set[int]] = {}
    for row in _plan_items(centre=centre, moderator=moderator, today=today):
        count(row["assessor"], row["moderator"], row, row["plan"])
        qualifications.setdefault(row["assessor"], set()).add(row["qualification"])
    for row in _actions(centre=centre, moderator=moderator, today=today):
        count(row["sample__assessor"], row["sample__moderator"], row)
    for row in _observations(centre=centre, moderator=moderator, today=today):
        count(row["assessor"], row["moderator"], row)

    plans = list(SamplingPlan.objects.filter(pk__in=by_plan).select_related("strategy__qualification")
                 .order_by("cycle_end", "strategy__qualification__code"))
    moderator_ids = set(Membership.objects.current().filter(centre=centre, role=Role.MODERATOR)
                        .values_list("user_id", flat=True)) if moderator is None else set()
    if moderator is not None:
        by_moderator = {moderator.pk: Counts()} | by_moderator
    people = User.objects.in_bulk(set(by_assessor) | (set(by_moderator) | moderator_ids) - {None})

    targets = _observation_targets(centre=centre, qualifications=qualifications, today=today)
    assessors = _rows(by_assessor, people)
    for row in assessors:
        row.observations = targets.get(row.person.pk) if row.person else None

    totals = Counts()
    for counts in by_assessor.values():
        totals.add(counts)
    for user_id in moderator_ids:
        by_moderator.setdefault(user_id, Counts())
    return Dashboard(
        today=today, moderator=moderator,
        assessors=assessors,
        moderators=_rows(by_moderator, people),
        plans=[PlanRow(plan=p, today=today, counts=by_plan[p.pk]) for p in plans],
        totals=totals,
    )


def _rows(counts: dict, people: dict[int, User]) -> list[PersonRow]:
    rows = [PersonRow(person=people.get(pk) if pk is not None else None, counts=c) for pk, c in counts.items()]
    # Most overdue first, then the most left to do, then by name: what needs attention is at the top.
    return sorted(rows, key=lambda r: (-r.counts.overdue - r.counts.overdue_actions - r.counts.observations_overdue,
                                       -r.counts.remaining, r.person.display_name if r.person else ""))


def centre_moderators(*, centre: Centre) -> list[User]:
    """The centre's current moderators, for the reassignment form."""
    current = Membership.objects.current().filter(centre=centre, role=Role.MODERATOR)
    return list(User.objects.filter(pk__in=current.values("user_id")).order_by("first_name", "last_name", "pk"))


def assessor_open_action_count(*, centre: Centre, assessor: User) -> int:
    """The assessor's actions still to do (open), for the navigation and the home page: one count query."""
    return SampleAction.objects.filter(sample__centre=centre, owner=assessor,
                                       status=SampleAction.Status.OPEN).count()


def assessor_open_actions(*, centre: Centre, assessor: User, limit: int = 5) -> list[SampleAction]:
    """The assessor's open actions, soonest due first, with their sample's unit and learner: one query."""
    return list(SampleAction.objects.filter(sample__centre=centre, owner=assessor, status=SampleAction.Status.OPEN)
                .select_related("sample__unit", "sample__enrolment__learner", "sample__moderator")
                .order_by("due_date", "pk")[:limit])


def open_plan_items(*, centre: Centre, moderator: User | None, assessor: User | None = None):
    """Items of the centre's current plans not removed and not yet sampled (no sample started), of `moderator`
    (None: items no moderator is assigned to), optionally of one assessor."""
    items = PlanItem.objects.filter(plan__centre=centre, plan__current=True, removed_at__isnull=True,
                                    moderator=moderator).exclude(Exists(item_samples()))
    return items.filter(assessor=assessor) if assessor is not None else items


def moderator_items_due_count(*, centre: Centre, moderator: User) -> int:
    """The navigation's "samples due" for a moderator: items of the centre's current plans, in a cycle that has
    started, not removed and not yet sampled, assigned to them or to no moderator. One count query."""
    items = PlanItem.objects.filter(plan__centre=centre, plan__current=True, removed_at__isnull=True,
                                    plan__cycle_start__lte=timezone.localdate())
    return (items.filter(Q(moderator=moderator) | Q(moderator__isnull=True))
            .exclude(Exists(item_samples())).count())
