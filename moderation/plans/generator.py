"""The sampling plan generator: a pure function from what was assessed to what will be sampled, and why.

Same population, rates, tiers, rules and seed: the same draws, in the same order. Nothing here reads the
database or the clock; `moderation.plans.selectors.plan_population` loads the population.

1. **Coverage first**, per assessor: every (assessor, unit), (assessor, method) and (assessor, location)
   combination that was assessed, and (if the rule is on) one piece of resubmitted work, at least once. Greedy:
   the candidate that covers the most uncovered combinations wins; ties go to the learner with the fewest items
   so far, then to the seeded order.
2. **Then the rates** of the assessor's tier: learner % of their learners (rounded up; or the square root of N
   when the strategy says so), per sampled learner a number or a share of their units, and at least the interim
   share of the assessor's items where interim work exists.

Each assessor has their own random stream (seed + assessor id), so a change in one assessor's caseload does not
reshuffle everybody else's sample.
"""

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INTERIM, SUMMATIVE = "interim", "summative"
REASON_MAX = 300
DEFAULT_TIER = "high"  # an assessor the risk rules do not know is sampled as if new


@dataclass(frozen=True)
class Candidate:
    """One unit of one enrolment that could be sampled: signed off (summative) or in progress with decisions."""

    enrolment_id: int
    learner_id: int
    assessor_id: int
    unit_id: int
    unit_code: str
    methods: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()  # as first seen; one spelling per place (the selector folds case and spaces)
    kind: str = SUMMATIVE
    resubmitted: bool = False
    cohort: str = ""  # the enrolment's start month, "2026-09"

    @property
    def key(self) -> tuple[int, int]:
        return (self.enrolment_id, self.unit_id)


@dataclass(frozen=True)
class Population:
    candidates: list[Candidate]
    assessor_names: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CoverageRules:
    assessor_units: bool = True
    methods: bool = True
    locations: bool = True
    resubmissions: bool = True
    square_root: bool = False


@dataclass(frozen=True)
class Draw:
    candidate: Candidate
    reason: str
    method: str = ""
    location: str = ""

    def as_dict(self) -> dict[str, Any]:
        c = self.candidate
        return {"enrolment": c.enrolment_id, "learner": c.learner_id, "assessor": c.assessor_id, "unit": c.unit_id,
                "unit_code": c.unit_code, "kind": c.kind, "method": self.method, "location": self.location,
                "reason": self.reason}


def rate_value(rate: Any, name: str) -> Any:
    """A tier rate's field, from a TierRate, any object with the same attributes, or a dict."""
    return rate.get(name) if isinstance(rate, Mapping) else getattr(rate, name)


def generate(*, population: Population, rates: Mapping[str, Any], tiers: Mapping[int, str], rules: CoverageRules,
             seed: str) -> list[Draw]:
    by_assessor: dict[int, list[Candidate]] = {}
    for candidate in sorted(population.candidates, key=_order):
        by_assessor.setdefault(candidate.assessor_id, []).append(candidate)
    learner_items: dict[int, int] = {}
    draws: list[Draw] = []
    for assessor_id in sorted(by_assessor):
        pool = by_assessor[assessor_id]
        rng = random.Random(f"{seed}:{assessor_id}")
        rank = {c.key: i for i, c in enumerate(rng.sample(pool, len(pool)))}
        name = population.assessor_names.get(assessor_id) or f"#{assessor_id}"
        tier = tiers.get(assessor_id) or DEFAULT_TIER
        chosen = _cover(pool, rules, rank, learner_items, name)
        chosen += _fill_rates(pool, chosen, rates[tier], tier, rules, rank, rng, tier_known=assessor_id in tiers)
        for draw in chosen:
            learner_items[draw.candidate.learner_id] = learner_items.get(draw.candidate.learner_id, 0) + 1
        draws += chosen
    return draws


def _order(c: Candidate) -> tuple:
    return (c.assessor_id, c.enrolment_id, c.unit_id, c.kind)


# --- 1. Coverage -------------------------------------------------------------------------------------------

def _combinations(c: Candidate, rules: CoverageRules) -> set[tuple[str, str]]:
    combos: set[tuple[str, str]] = set()
    if rules.assessor_units:
        combos.add(("unit", c.unit_code))
    if rules.methods:
        combos.update(("method", m) for m in c.methods if m)
    if rules.locations:
        combos.update(("location", loc) for loc in c.locations if loc)
    if rules.resubmissions and c.resubmitted:
        combos.add(("resubmitted", "yes"))
    return combos


def _cover(pool: list[Candidate], rules: CoverageRules, rank: dict, learner_items: dict[int, int],
           assessor_name: str) -> list[Draw]:
    offers = {c.key: _combinations(c, rules) for c in pool}
    uncovered = set().union(*offers.values()) if offers else set()
    items = dict(learner_items)
    chosen: list[Draw] = []
    left = list(pool)
    while uncovered:
        best = min(left, key=lambda c: (-len(offers[c.key] & uncovered), items.get(c.learner_id, 0), rank[c.key]))
        covers = offers[best.key] & uncovered
        uncovered -= covers
        left.remove(best)
        items[best.learner_id] = items.get(best.learner_id, 0) + 1
        chosen.append(_coverage_draw(best, covers, assessor_name))
    return chosen


COVER_ORDER = ("unit", "method", "location", "resubmitted")


def _coverage_draw(c: Candidate, covers: set[tuple[str, str]], assessor_name: str) -> Draw:
    named = sorted(covers, key=lambda kv: (COVER_ORDER.index(kv[0]), kv[1]))
    parts = [f"assessor={assessor_name}"] + [
        "resubmitted work" if kind == "resubmitted" else f"{kind}={value}" for kind, value in named]
    method = next((v for k, v in named if k == "method"), c.methods[0] if c.methods else "")
    location = next((v for k, v in named if k == "location"), c.locations[0] if c.locations else "")
    return Draw(c, _clip("coverage: " + ", ".join(parts)), method, location)


# --- 2. Rates ----------------------------------------------------------------------------------------------

def _fill_rates(pool: list[Candidate], covered: list[Draw], rate: Any, tier: str, rules: CoverageRules,
                rank: dict, rng: random.Random, *, tier_known: bool) -> list[Draw]:
    taken = {d.candidate.key for d in covered}
    by_learner: dict[int, list[Candidate]] = {}
    for c in pool:
        by_learner.setdefault(c.enrolment_id, []).append(c)
    enrolments = sorted(by_learner)
    n = len(enrolments)
    if rules.square_root:
        wanted, share = math.ceil(math.sqrt(n)), f"square root of N ({n} learner{'' if n == 1 else 's'})"
    else:
        percent = rate_value(rate, "learner_percent")
        wanted, share = math.ceil(n * percent / 100), f"{percent} % of learners"
    label = f"rate: tier={tier}" + ("" if tier_known else " (no risk record)")
    # Learners sampled for coverage count towards the share; the others are drawn in seeded order.
    sampled = [e for e in enrolments if any(c.key in taken for c in by_learner[e])]
    already = set(sampled)
    others = [e for e in enrolments if e not in already]
    sampled += rng.sample(others, max(0, min(len(others), wanted - len(sampled))))
    interim_total = sum(1 for d in covered if d.candidate.kind == INTERIM)
    total = len(covered)
    interim_share = rate_value(rate, "interim_percent") / 100
    chosen: list[Draw] = []
    for enrolment_id in sorted(sampled):
        units = by_learner[enrolment_id]
        per_learner = rate_value(rate, "units_per_learner")
        if per_learner is not None:
            want, unit_text = per_learner, f"{per_learner} unit{'' if per_learner == 1 else 's'} per learner"
        else:
            unit_percent = rate_value(rate, "unit_percent") or 0
            want, unit_text = math.ceil(len(units) * unit_percent / 100), f"{unit_percent} % of units"
        have = sum(1 for c in units if c.key in taken)
        for _ in range(max(0, want - have)):
            left = [c for c in units if c.key not in taken]
            if not left:
                break
            short_of_interim = interim_total < interim_share * (total + 1)
            pick = min(left, key=lambda c: ((c.kind != INTERIM) if short_of_interim else 0, rank[c.key]))
            taken.add(pick.key)
            total += 1
            interim_total += pick.kind == INTERIM
            chosen.append(_rate_draw(pick, f"{label}, {share}, {unit_text}"))
    # Top up the interim share from the assessor's other work in progress.
    interim_left = sorted((c for c in pool if c.kind == INTERIM and c.key not in taken), key=lambda c: rank[c.key])
    for c in interim_left:
        if total == 0 or interim_total >= interim_share * total:
            break
        taken.add(c.key)
        total += 1
        interim_total += 1
        chosen.append(_rate_draw(c, f"{label}, interim share {rate_value(rate, 'interim_percent')} %"))
    return chosen


def _rate_draw(c: Candidate, reason: str) -> Draw:
    return Draw(c, _clip(reason), c.methods[0] if c.methods else "", c.locations[0] if c.locations else "")


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"
