from django.db.models import Prefetch, QuerySet

from portfolios.models import Evidence
from qualifications.models import AssessmentCriterion

from .models import WitnessRequest, WitnessStatement

_CRITERIA = AssessmentCriterion.objects.select_related("unit").order_by("unit__position", "position")


def requests_of(evidence: Evidence, *, used_only: bool = False) -> QuerySet[WitnessRequest]:
    """The evidence's witness requests, newest first, with their criteria, statements and the statements'
    criteria: three queries however many there are."""
    requests = (WitnessRequest.objects.filter(evidence=evidence)
                .select_related("statement", "requested_by")
                .prefetch_related(Prefetch("criteria", queryset=_CRITERIA),
                                  Prefetch("statement__criteria", queryset=_CRITERIA)))
    return requests.filter(status=WitnessRequest.Status.USED) if used_only else requests


def statements_of(evidence: Evidence) -> list[WitnessStatement]:
    """The statements received about the evidence, oldest first (two queries)."""
    return list(WitnessStatement.objects.filter(request__evidence=evidence).select_related("request")
                .prefetch_related(Prefetch("criteria", queryset=_CRITERIA)).order_by("submitted_at", "pk"))
