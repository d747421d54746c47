"""Print a centre's sampling plan for one qualification and cycle, for support and for checking.

Printing never changes data. With --generate the plan is generated (or regenerated) first, as the system.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from centres.models import Centre
from centres.services import ServiceError
from moderation.models import SamplingPlan, SamplingStrategy
from moderation.plans.services import sampling_plan_generate


class Command(BaseCommand):
    help = ("Print the current sampling plan of a centre's qualification for one cycle: each item with learner, "
            "assessor, unit, method, location, interim/summative and why it was chosen. Printing changes nothing; "
            "--generate generates (or regenerates) the plan first, as the system, from the approved strategy.")

    def add_arguments(self, parser):
        parser.add_argument("--centre", required=True, help="the centre's slug")
        parser.add_argument("--qualification", required=True, help="the qualification's code")
        parser.add_argument("--cycle", type=int, help="the year the cycle starts in (default: the current cycle)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="stable JSON (sorted keys) to compare two runs")
        parser.add_argument("--generate", action="store_true",
                            help="generate the plan first, as the system (changes data; audited)")

    def handle(self, *args, centre: str, qualification: str, cycle: int | None, as_json: bool, generate: bool,
               **options):
        found = Centre.objects.filter(slug=centre).first()
        if found is None:
            raise CommandError(f"No centre with the slug {centre!r}.")
        strategy = (SamplingStrategy.objects.filter(centre=found, qualification__code=qualification,
                                                    status=SamplingStrategy.Status.APPROVED)
                    .select_related("qualification").first())
        if strategy is None:
            raise CommandError(f"{qualification!r} at {centre!r} has no approved sampling strategy.")
        year = cycle if cycle is not None else strategy.cycle_start_year_of(timezone.localdate())
        start, _end = strategy.cycle_for(year)
        if generate:
            try:
                sampling_plan_generate(strategy=strategy, cycle_start_year=year, actor=None)
            except ServiceError as error:
                raise CommandError(str(error)) from None
        plan = (SamplingPlan.objects.filter(centre=found, strategy__qualification=strategy.qualification,
                                            cycle_start=start, current=True).select_related("strategy").first())
        if plan is None:
            raise CommandError(f"No sampling plan for the cycle starting {start:%d %b %Y}; add --generate to make one.")
        document = plan_document(plan)
        if as_json:
            self.stdout.write(dumps(document))
        else:
            self._print(document)

    def _print(self, document: dict) -> None:
        p = document["plan"]
        self.stdout.write(f"{p['qualification']} plan #{p['number']}, cycle {p['cycle_start']} to {p['cycle_end']}, "
                          f"seed {p['seed']}, {len(document['items'])} items")
        for i in document["items"]:
            self.stdout.write(f"{i['position']:>4}  {i['learner']:<28} {i['assessor']:<24} {i['unit']:<10} "
                              f"{i['kind']:<9} {i['method'] or '-':<22} {i['location'] or '-':<16} {i['reason']}")


def dumps(document: dict) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)


def plan_document(plan: SamplingPlan) -> dict:
    """The plan as plain data: what two runs are compared by (no ids that change between databases but the
    enrolment and unit ids, no timestamps)."""
    items = (plan.items.filter(removed_at__isnull=True)
             .select_related("enrolment__learner", "assessor", "unit").order_by("position", "pk"))
    return {
        "plan": {"qualification": plan.strategy.qualification.code, "strategy_version": plan.strategy.version,
                 "number": plan.number, "seed": plan.seed, "cycle_start": plan.cycle_start.isoformat(),
                 "cycle_end": plan.cycle_end.isoformat(), "counts": plan.summary.get("counts", {})},
        "items": [{"position": i.position, "enrolment": i.enrolment_id, "learner": i.enrolment.learner.display_name,
                   "assessor": i.assessor.display_name, "unit": i.unit.code, "kind": i.kind, "method": i.method,
                   "location": i.location, "reason": i.reason} for i in items],
    }
