"""Reads for sampling plans: the population the generator draws from, the plan's items, and CAMERA coverage.

Each runs a fixed number of queries, however many learners, units and decisions there are.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from assessment.models import CriterionDecision
from centres.models import Membership, Role
from moderation.models import PlanItem as SamplingPlanItem
from moderation.models import Sample, SamplingPlan, SamplingStrategy
from moderation.plans.generator import INTERIM, SUMMATIVE, Candidate, Population, rate_value
from portfolios.models import EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceSubmission


def place_key(place: str) -> str:
    """Two spellings of one place compare equal: spaces collapsed, case folded."""
    return " ".join(place.split()).casefold()


def _end_moment(cycle_end: datetime.date) -> datetime.datetime:
    """The first moment after the cycle's last day, in the centre's time zone."""
    return timezone.make_aware(datetime.datetime.combine(cycle_end + datetime.timedelta(days=1), datetime.time.min))


def plan_population(*, strategy: SamplingStrategy, cycle_end: datetime.date) -> Population:
    """What the plan may sample: summative = units signed off by the end of the cycle; interim = units not
    signed off with decisions made by then. Five queries."""
    end = _end_moment(cycle_end)
    scope = {"enrolment__centre_id": strategy.centre_id,
             "enrolment__version__qualification_id": strategy.qualification_id}
    decided = CriterionDecision.objects.filter(enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"),
                                               decided_at__lt=end)
    units = list(
        EnrolmentUnit.objects.filter(**scope).alias(has=Exists(decided))
        .filter(Q(locked_at__lt=end) | Q(locked_at__isnull=True, has=True))
        .values_list("enrolment_id", "unit_id", "unit__code", "locked_at", "enrolment__learner_id",
                     "enrolment__assessor_id", "enrolment__start_date").order_by("enrolment_id", "unit_id"))
    deciders = _deciders(scope, end)
    methods, places, resubmitted = _evidence_facts(strategy, end)
    candidates = []
    for enrolment_id, unit_id, code, locked_at, learner_id, enrolment_assessor, start in units:
        key = (enrolment_id, unit_id)
        candidates.append(Candidate(
            enrolment_id=enrolment_id, learner_id=learner_id, assessor_id=deciders.get(key, enrolment_assessor),
            unit_id=unit_id, unit_code=code, methods=tuple(sorted(methods.get(key, ()))),
            locations=tuple(sorted(places.get(key, ()))), kind=SUMMATIVE if locked_at else INTERIM,
            resubmitted=key in resubmitted, cohort=f"{start:%Y-%m}"))
    assessor_ids = sorted({c.assessor_id for c in candidates})
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=assessor_ids)}
    return Population(candidates=candidates, assessor_names=names)


def _deciders(scope: dict, end: datetime.datetime) -> dict[tuple[int, int], int]:
    """Per (enrolment, unit): the assessor who made most of its decisions (ties: the lowest id)."""
    rows = (CriterionDecision.objects.filter(**scope, decided_at__lt=end)
            .values_list("enrolment_id", "unit_id", "review__assessor_id").annotate(n=Count("id")).order_by())
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for enrolment_id, unit_id, assessor_id, n in rows:
        key = (enrolment_id, unit_id)
        if key not in best or (-n, assessor_id) < (-best[key][1], best[key][0]):
            best[key] = (assessor_id, n)
    return {key: assessor for key, (assessor, _n) in best.items()}


def _evidence_facts(strategy: SamplingStrategy, end: datetime.datetime):
    """Methods and places (one spelling per place, the first seen) of the accepted evidence mapped to each
    (enrolment, unit), and which of those had work returned and resubmitted."""
    evidence_scope = {"evidence__enrolment__centre_id": strategy.centre_id,
                      "evidence__enrolment__version__qualification_id": strategy.qualification_id,
                      "evidence__status": Evidence.Status.ACCEPTED, "evidence__submitted_at__lt": end}
    claims = (EvidenceCriterion.objects.filter(**evidence_scope)
              .values_list("evidence_id", "evidence__enrolment_id", "unit_id", "evidence__method",
                           "evidence__activity_place").distinct().order_by("evidence_id", "unit_id"))
    again = set(EvidenceSubmission.objects.filter(number__gt=1, **evidence_scope)
                .values_list("evidence_id", flat=True).distinct())
    spelling: dict[str, str] = {}
    methods: dict[tuple, set] = defaultdict(set)
    places: dict[tuple, set] = defaultdict(set)
    resubmitted: set[tuple] = set()
    for evidence_id, enrolment_id, unit_id, method, place in claims:
        key = (enrolment_id, unit_id)
        if method:
            methods[key].add(method)
        if place and place.strip():
            places[key].add(spelling.setdefault(place_key(place), " ".join(place.split())))
        if evidence_id in again:
            resubmitted.add(key)
    return methods, places, resubmitted


def population_facts(population: Population, learner_facts: dict[int, tuple[str, str]]) -> dict:
    """What the generator saw, kept in the plan's summary so the CAMERA page needs no re-count: per assessor the
    units, methods and locations assessed (candidate units each), learners, and the spread of candidates."""
    units, methods, places = Counter(), Counter(), Counter()
    learners: dict[int, set] = defaultdict(set)
    cohorts, ages, genders = defaultdict(set), defaultdict(set), defaultdict(set)
    for c in population.candidates:
        units[(c.assessor_id, c.unit_code)] += 1
        methods.update((c.assessor_id, m) for m in c.methods)
        places.update((c.assessor_id, p) for p in c.locations)
        learners[c.assessor_id].add(c.enrolment_id)
        age, gender = learner_facts.get(c.learner_id, ("", ""))
        cohorts[c.cohort].add(c.enrolment_id)
        ages[age].add(c.enrolment_id)
        genders[gender].add(c.enrolment_id)
    return {
        "assessor_units": sorted([a, u, n] for (a, u), n in units.items()),
        "assessor_methods": sorted([a, m, n] for (a, m), n in methods.items()),
        "assessor_locations": sorted([a, p, n] for (a, p), n in places.items()),
        "learners": sorted([a, len(e)] for a, e in learners.items()),
        "cohorts": sorted([k, len(e)] for k, e in cohorts.items()),
        "age_bands": sorted([k, len(e)] for k, e in ages.items()),
        "genders": sorted([k, len(e)] for k, e in genders.items()),
        "candidates": len(population.candidates),
        "interim": sum(1 for c in population.candidates if c.kind == INTERIM),
    }


def learner_facts_for(*, centre_id: int) -> dict[int, tuple[str, str]]:
    """Age band and gender of each learner of the centre, where the centre records them. One query."""
    return {user_id: (age or "", gender or "") for user_id, age, gender in Membership.objects.filter(
        centre_id=centre_id, role=Role.LEARNER).values_list("user_id", "age_band", "gender")}


# --- Plan pages ----------------------------------------------------------------------------------------------

def current_plans(*, centre) -> QuerySet[SamplingPlan]:
    return (SamplingPlan.objects.filter(centre=centre, current=True)
            .select_related("strategy__qualification", "generated_by")
            .annotate(items_count=Count("items", filter=Q(items__removed_at__isnull=True))))


def plan_items(*, plan: SamplingPlan, filters: dict | None = None) -> QuerySet[SamplingPlanItem]:
    filters = filters or {}
    items = (SamplingPlanItem.objects.filter(plan=plan)
             .select_related("enrolment__learner", "unit", "assessor", "moderator", "added_by", "removed_by")
             .order_by("removed_at", "position", "pk"))
    if filters.get("status") == "removed":
        items = items.filter(removed_at__isnull=False)
    elif filters.get("status") != "all":
        items = items.filter(removed_at__isnull=True)
    for name, lookup in (("assessor", "assessor_id"), ("unit", "unit_id"), ("kind", "kind"),
                         ("moderator", "moderator_id")):
        if filters.get(name):
            items = items.filter(**{lookup: filters[name]})
    if filters.get("reason") in ("coverage", "rate"):
        items = items.filter(added_by__isnull=True, reason__startswith=filters["reason"])
    elif filters.get("reason") == "by_hand":
        items = items.filter(added_by__isnull=False)
    return items


def moderators_of(*, centre) -> QuerySet[User]:
    return User.objects.filter(memberships__in=Membership.objects.current().filter(
        centre=centre, role=Role.MODERATOR)).distinct().order_by("first_name", "last_name", "pk")


# --- CAMERA ----------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    assessed: int
    sampled: int
    expected: int

    @property
    def state(self) -> str:
        if not self.assessed:
            return "none"
        if not self.sampled:
            return "red"
        return "amber" if self.sampled < self.expected else "ok"


@dataclass
class Bar:
    label: str
    covered: int
    of: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.of) if self.of else 0


@dataclass
class Spread:
    label: str
    learners: int
    sampled: int

    @property
    def percent(self) -> int:
        return round(100 * self.sampled / self.learners) if self.learners else 0


@dataclass
class Dimension:
    letter: str
    name: str
    covered: int
    of: int
    formula: str

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.of) if self.of else None


@dataclass
class Coverage:
    units: list[str]
    rows: list[tuple[str, str, list[Cell]]]  # (assessor name, tier, cells in unit order)
    methods: list[Bar]
    locations: list[Bar]
    cohorts: list[Spread]
    age_bands: list[Spread] = field(default_factory=list)
    genders: list[Spread] = field(default_factory=list)
    dimensions: list[Dimension] = field(default_factory=list)
    items: int = 0

    @property
    def red(self) -> list[tuple[str, str]]:
        """(assessor, unit) of the cells assessed with nothing sampled: what to act on first."""
        return [(name, unit) for name, _tier, cells in self.rows for unit, cell in zip(self.units, cells, strict=True)
                if cell.state == "red"]

    @property
    def amber(self) -> int:
        return sum(1 for _name, _tier, cells in self.rows for cell in cells if cell.state == "amber")


def camera_coverage(*, plan: SamplingPlan) -> Coverage:
    """Assessed (as the generator saw it) against sampled (the plan's items now). Four queries."""
    seen = plan.summary.get("seen", {})
    sampled = _sampled(plan)
    assessors = sorted({a for a, _u, _n in seen.get("assessor_units", [])} | {s["assessor"] for s in sampled})
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=assessors)}
    assessors.sort(key=lambda a: (names.get(a, ""), a))
    units = sorted({u for _a, u, _n in seen.get("assessor_units", [])} | {s["unit_code"] for s in sampled})
    cell_assessed = {(a, u): n for a, u, n in seen.get("assessor_units", [])}
    cell_sampled = Counter((s["assessor"], s["unit_code"]) for s in sampled)
    units_per_assessor = Counter(a for a, _u in cell_assessed)
    tiers, rates = plan.summary.get("tiers", {}), plan.summary.get("rates", {})
    rows = []
    for a in assessors:
        tier = tiers.get(str(a), "")
        cells = [Cell(cell_assessed.get((a, u), 0), cell_sampled.get((a, u), 0),
                      _expected(cell_assessed.get((a, u), 0), rates.get(tier), units_per_assessor[a]))
                 for u in units]
        rows.append((names.get(a, f"#{a}"), tier, cells))
    methods = _bars(seen.get("assessor_methods", []), {(s["assessor"], m) for s in sampled for m in s["methods"]})
    locations = _bars(seen.get("assessor_locations", []),
                      {(s["assessor"], p) for s in sampled for p in s["locations"]})
    coverage = Coverage(
        units=units, rows=rows, methods=methods, locations=locations, items=len(sampled),
        cohorts=_spread(seen.get("cohorts", []), {s["enrolment"]: s["cohort"] for s in sampled}),
        age_bands=_spread(seen.get("age_bands", []), {s["enrolment"]: s["age_band"] for s in sampled}),
        genders=_spread(seen.get("genders", []), {s["enrolment"]: s["gender"] for s in sampled}))
    coverage.dimensions = _dimensions(coverage, cell_assessed, cell_sampled, seen, sampled)
    coverage.dimensions.append(_records(plan, sampled))
    return coverage


def _records(plan: SamplingPlan, sampled: list[dict]) -> Dimension:
    """R: the sampled items whose signed sample checked the assessment records (the "records accurate" process
    check answered, yes or no). Samples of the plans this one replaced in its cycle count too. One query."""
    signed = Sample.objects.filter(plan_item__plan__strategy_id=plan.strategy_id,
                                   plan_item__plan__cycle_start=plan.cycle_start,
                                   status__in=(Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED))
    checked = {(e, u, k) for e, u, k, checks in signed.values_list("enrolment_id", "unit_id", "kind", "process_checks")
               if ((checks or {}).get("records_accurate") or {}).get("ok") is not None}
    covered = sum(1 for s in sampled if (s["enrolment"], s["unit"], s["kind"]) in checked)
    return Dimension("R", "Records (sampled items whose records were checked, so far)", covered, len(sampled),
                     "sampled items with a signed sample that checked the records ÷ items sampled")


def _sampled(plan: SamplingPlan) -> list[dict]:
    """The plan's current items, each with its learner's cohort, age band and gender, and the methods and places
    of the accepted evidence mapped to its unit. Two queries."""
    learner_of = Membership.objects.filter(centre_id=plan.centre_id, role=Role.LEARNER,
                                           user_id=OuterRef("enrolment__learner_id"))
    items = list(SamplingPlanItem.objects.filter(plan=plan, removed_at__isnull=True).annotate(
        age_band=Subquery(learner_of.values("age_band")[:1]), gender=Subquery(learner_of.values("gender")[:1]))
        .values("enrolment_id", "unit_id", "unit__code", "assessor_id", "kind", "enrolment__start_date",
                "age_band", "gender").order_by("position", "pk"))
    # The sampled enrolments' accepted evidence (an IN over the plan's enrolments, which the databases plan well),
    # kept below only for the units in the plan.
    in_plan = SamplingPlanItem.objects.filter(plan=plan, removed_at__isnull=True).values("enrolment_id")
    claims = (EvidenceCriterion.objects.filter(evidence__enrolment_id__in=in_plan,
                                               evidence__status=Evidence.Status.ACCEPTED)
              .values_list("evidence__enrolment_id", "unit_id", "evidence__method", "evidence__activity_place")
              .distinct().order_by())
    spelling = {place_key(p): p for _a, p, _n in plan.summary.get("seen", {}).get("assessor_locations", [])}
    methods, places = defaultdict(set), defaultdict(set)
    for enrolment_id, unit_id, method, place in claims:
        if method:
            methods[(enrolment_id, unit_id)].add(method)
        if place and place.strip():
            places[(enrolment_id, unit_id)].add(spelling.get(place_key(place), " ".join(place.split())))
    return [{"enrolment": i["enrolment_id"], "assessor": i["assessor_id"], "unit": i["unit_id"],
             "unit_code": i["unit__code"],
             "kind": i["kind"], "cohort": f"{i['enrolment__start_date']:%Y-%m}", "age_band": i["age_band"] or "",
             "gender": i["gender"] or "", "methods": methods[(i["enrolment_id"], i["unit_id"])],
             "locations": places[(i["enrolment_id"], i["unit_id"])]} for i in items]


def _expected(assessed: int, rate: dict | None, units_assessed: int) -> int:
    """How many of a cell's units the tier rate implies (rounded down; at least one where any was assessed)."""
    if not assessed or not rate:
        return 1 if assessed else 0
    per_learner = rate_value(rate, "units_per_learner")
    unit_share = (rate_value(rate, "unit_percent") or 0) / 100 if per_learner is None \
        else min(1.0, per_learner / max(1, units_assessed))
    return max(1, math.floor(assessed * rate_value(rate, "learner_percent") / 100 * unit_share))


def _bars(assessed: list, covered: set) -> list[Bar]:
    by_value: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, value, _n in assessed:
        by_value[value][1] += 1
        by_value[value][0] += (a, value) in covered
    return [Bar(value, c, n) for value, (c, n) in sorted(by_value.items(), key=lambda kv: kv[0].casefold())]


def _spread(groups: list, sampled_group: dict[int, str]) -> list[Spread]:
    sampled = Counter(sampled_group.values())
    return [Spread(label, n, sampled.get(label, 0)) for label, n in groups]


def _dimensions(coverage: Coverage, cell_assessed: dict, cell_sampled: Counter, seen: dict,
                sampled: list[dict]) -> list[Dimension]:
    assessed_assessors = {a for a, _u in cell_assessed}
    sampled_assessors = {s["assessor"] for s in sampled}
    combos = "covered combinations ÷ combinations assessed this cycle"
    return [
        Dimension("C", "Candidates (cohorts)", sum(1 for s in coverage.cohorts if s.sampled),
                  len(coverage.cohorts), "cohorts with a learner sampled ÷ cohorts assessed this cycle"),
        Dimension("A", "Assessors", len(assessed_assessors & sampled_assessors), len(assessed_assessors),
                  "assessors with an item sampled ÷ assessors who assessed this cycle"),
        Dimension("M", "Methods (assessor × method)", sum(b.covered for b in coverage.methods),
                  sum(b.of for b in coverage.methods), combos),
        Dimension("E", "Elements (assessor × unit)", sum(1 for k in cell_assessed if cell_sampled.get(k)),
                  len(cell_assessed), combos),
        Dimension("A", "Assessment locations (assessor × location)", sum(b.covered for b in coverage.locations),
                  sum(b.of for b in coverage.locations), combos),
    ]
