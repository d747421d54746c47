"""Each enrolment's progress counts, stored on the enrolment so that long lists read them instead of counting.

`Enrolment.criteria_count` is the number of criteria of the enrolment's chosen units; `Enrolment.met_count` the
number of its achieved criteria whose unit is chosen. Progress shown anywhere is `met_count / criteria_count`
(`portfolios.enrolments.selectors.percent`).

Both are written only by `refresh`, which recounts them from the rows in one UPDATE, in the transaction that
changed those rows: after units are chosen (enrolment), after criteria are achieved (a counted decision, accepted
prior learning) and, through the receivers, after any single row is saved or deleted. A code path that bulk-creates
achieved criteria or units calls `refresh` itself (bulk operations send no signals). `live` counts the same way on
the fly; `drifted` compares the two (the `progress_counts` management command repairs any difference).
"""

from collections.abc import Iterable

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import AchievedCriterion, Enrolment, EnrolmentUnit

STORED = ("criteria_count", "met_count")


def _live_expressions() -> dict[str, Coalesce]:
    from qualifications.models import AssessmentCriterion

    def counted(queryset: QuerySet) -> Coalesce:
        rows = queryset.order_by().values("k").annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    chosen = EnrolmentUnit.objects.filter(enrolment=OuterRef(OuterRef("pk"))).values("unit_id")
    criteria = AssessmentCriterion.objects.filter(unit_id__in=chosen).annotate(k=Value(1))
    met = AchievedCriterion.objects.filter(enrolment=OuterRef("pk"), unit_id__in=chosen).annotate(k=Value(1))
    return {"criteria_count": counted(criteria), "met_count": counted(met)}


def refresh(enrolment_ids: Iterable[int | None]) -> int:
    """Recount the stored counts of these enrolments from their rows: one UPDATE. Returns the rows updated."""
    ids = sorted({pk for pk in enrolment_ids if pk is not None})
    if not ids:
        return 0
    return Enrolment.objects.filter(pk__in=ids).update(**_live_expressions())


def live(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """`enrolments` annotated with `live_criteria_count` and `live_met_count`, counted now."""
    return enrolments.annotate(**{f"live_{name}": value for name, value in _live_expressions().items()})


def drifted(enrolments: QuerySet[Enrolment] | None = None) -> list[int]:
    """The enrolments whose stored counts differ from their rows (none, unless a bulk write skipped `refresh`)."""
    enrolments = Enrolment.objects.all() if enrolments is None else enrolments
    return list(live(enrolments.order_by()).filter(
        ~Q(criteria_count=F("live_criteria_count")) | ~Q(met_count=F("live_met_count"))
    ).order_by("pk").values_list("pk", flat=True))
