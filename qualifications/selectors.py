"""Reads of qualification specifications, each in a fixed number of queries however large the spec."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from centres.models import Centre

from .models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit


def version_tree(version: QualificationVersion) -> QualificationVersion:
    """A fresh copy of `version` with units -> outcomes -> criteria in order, in four queries.

    Read them with `.all()` (`version.units.all`, `unit.outcomes.all`, `outcome.criteria.all`).
    """
    criteria = Prefetch("criteria", queryset=AssessmentCriterion.objects.order_by("position", "pk"))
    outcomes = Prefetch("outcomes", queryset=LearningOutcome.objects.order_by("position", "pk")
                        .prefetch_related(criteria))
    units = Prefetch("units", queryset=Unit.objects.order_by("position", "pk").prefetch_related(outcomes))
    return (QualificationVersion.objects.select_related("qualification__centre").prefetch_related(units)
            .get(pk=version.pk))


def versions_for_centre(centre: Centre) -> QuerySet[QualificationVersion]:
    """Every version of every qualification of `centre`, with `unit_count` and `enrolment_count`."""
    # A subquery, not a second Count join: two joins would multiply each other's rows.
    units = (Unit.objects.filter(version=OuterRef("pk")).order_by().values("version")
             .annotate(n=Count("pk")).values("n"))
    return (QualificationVersion.objects.filter(qualification__centre=centre)
            .select_related("qualification")
            .annotate(unit_count=Coalesce(Subquery(units), 0), enrolment_count=Count("enrolments"))
            .order_by("qualification__code", "-number"))


def versions_of(qualification: Qualification) -> QuerySet[QualificationVersion]:
    return qualification.versions.order_by("-number")


def versions_open_for_enrolment(centre: Centre) -> QuerySet[QualificationVersion]:
    """The published versions learners can be enrolled on, newest first within each qualification."""
    return (QualificationVersion.objects
            .filter(qualification__centre=centre, status=QualificationVersion.Status.PUBLISHED)
            .select_related("qualification").order_by("qualification__code", "-number"))
