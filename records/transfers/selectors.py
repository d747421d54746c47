"""Reads for recognised prior learning: what an assessor has to decide, an enrolment's claims and imports, and a
learner's accepted criteria. Each is one query whatever the number of rows."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from centres.models import Membership, Role
from portfolios.models import Enrolment

from .models import PriorLearningClaim, PriorLearningImport

PENDING = PriorLearningClaim.Status.PENDING


def importable_enrolments(*, centre) -> QuerySet[Enrolment]:
    """The centre's enrolments prior learning can be imported into: active or on a break."""
    return (Enrolment.objects.filter(centre=centre, status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK])
            .select_related("learner", "version__qualification")
            .order_by("learner__first_name", "learner__last_name", "learner__email", "-start_date"))


def _decided_by(*, centre, assessor) -> Q:
    """Enrolments this assessor decides prior learning for: their own, and any whose assessor no longer assesses
    at the centre (then every assessor of the centre may)."""
    assessing = Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR, user=OuterRef("assessor"))
    return Q(assessor=assessor) | ~Q(Exists(assessing))


def claims_waiting(*, centre, assessor) -> QuerySet[PriorLearningClaim]:
    enrolments = Enrolment.objects.filter(_decided_by(centre=centre, assessor=assessor), centre=centre)
    return PriorLearningClaim.objects.filter(status=PENDING, enrolment__in=enrolments)


def waiting_count(*, centre, assessor) -> int:
    """Criteria awaiting this assessor's decision, across their enrolments: one query."""
    return claims_waiting(centre=centre, assessor=assessor).count()


def enrolments_to_decide(*, centre, assessor) -> list[Enrolment]:
    """The enrolments with claims awaiting this assessor, each with `waiting` (its pending claims), oldest first."""
    return list(Enrolment.objects.filter(_decided_by(centre=centre, assessor=assessor), centre=centre)
                .annotate(waiting=Count("prior_learning_claims", filter=Q(prior_learning_claims__status=PENDING)))
                .filter(waiting__gt=0).select_related("learner", "version__qualification").order_by("pk"))


SOURCE_FIELDS = ("source_centre_name", "source_qualification_code", "source_unit_code", "source_unit_title",
                 "assessor_name", "assessor_email", "seal_hash", "signed_off_at")


@dataclass
class UnitClaims:
    unit: object
    claims: list = field(default_factory=list)

    @property
    def shared_source(self):
        """The first claim, when every claim of the unit comes from the same unit, assessor and sign-off there (so
        the page says it once), else None."""
        first = self.claims[0]
        same = all(getattr(c, f) == getattr(first, f) for c in self.claims for f in SOURCE_FIELDS)
        return first if same else None


def claims_by_unit(*, enrolment: Enrolment) -> tuple[list[UnitClaims], list[PriorLearningClaim]]:
    """The enrolment's pending claims grouped by unit (in the qualification's order), and the decided ones."""
    pending: dict[int, UnitClaims] = {}
    decided = []
    for claim in (PriorLearningClaim.objects.filter(enrolment=enrolment)
                  .select_related("unit", "criterion", "decided_by", "prior_import")
                  .order_by("unit__position", "criterion__position", "-pk")):
        if claim.status == PENDING:
            pending.setdefault(claim.unit_id, UnitClaims(unit=claim.unit)).claims.append(claim)
        else:
            decided.append(claim)
    return list(pending.values()), decided


def imports_of(*, enrolment: Enrolment) -> list[PriorLearningImport]:
    return list(PriorLearningImport.objects.filter(enrolment=enrolment).select_related("uploaded_by")
                .order_by("-created_at"))


def recent_imports(*, centre, limit: int = 20) -> list[PriorLearningImport]:
    return list(PriorLearningImport.objects.filter(centre=centre)
                .select_related("enrolment__learner", "enrolment__version__qualification", "uploaded_by")
                .order_by("-created_at")[:limit])


def recognised_for_learner(*, learner, centre) -> dict[int, str]:
    """criterion id -> the centre it was achieved at, for the learner's accepted prior learning here."""
    if learner is None or centre is None:
        return {}
    return dict(PriorLearningClaim.objects.filter(enrolment__learner=learner, enrolment__centre=centre,
                                                  status=PriorLearningClaim.Status.ACCEPTED)
                .values_list("criterion_id", "source_centre_name"))
