"""Reads of sampling strategies and assessor risk, each a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from centres.models import Centre
from moderation.models import AssessorRiskOverride, RiskTier, SamplingStrategy, TierRate
from moderation.strategies.risk import AssessorRisk, assessor_risks
from portfolios.models import Enrolment
from qualifications.models import Qualification, QualificationVersion

Status = SamplingStrategy.Status
TIER_ORDER = {RiskTier.HIGH: 0, RiskTier.MEDIUM: 1, RiskTier.LOW: 2}


def current_strategy(*, centre: Centre, qualification: Qualification) -> SamplingStrategy | None:
    """The approved strategy of a centre's qualification, if there is one."""
    return (SamplingStrategy.objects.filter(centre=centre, qualification=qualification, status=Status.APPROVED)
            .select_related("centre", "qualification").first())


def sorted_rates(strategy: SamplingStrategy) -> list[TierRate]:
    """The tier rates, high first (from the prefetched rows when there are)."""
    return sorted(strategy.tier_rates.all(), key=lambda r: TIER_ORDER[r.tier])


@dataclass
class QualificationStrategies:
    qualification: Qualification
    title: str
    approved: SamplingStrategy | None
    draft: SamplingStrategy | None
    versions: int


def strategies_by_qualification(*, centre: Centre) -> list[QualificationStrategies]:
    """Every qualification of the centre with its approved and draft strategy. Three queries."""
    qualifications = list(Qualification.objects.filter(centre=centre).order_by("code"))
    titles: dict[int, str] = {}
    for qualification_id, title in (QualificationVersion.objects.filter(qualification__centre=centre)
                                    .order_by("qualification_id", "number").values_list("qualification_id", "title")):
        titles[qualification_id] = title  # the newest version's title wins
    approved: dict[int, SamplingStrategy] = {}
    draft: dict[int, SamplingStrategy] = {}
    counts: dict[int, int] = {}
    for strategy in SamplingStrategy.objects.filter(centre=centre).select_related("approved_by"):
        counts[strategy.qualification_id] = counts.get(strategy.qualification_id, 0) + 1
        if strategy.status == Status.APPROVED:
            approved[strategy.qualification_id] = strategy
        elif strategy.status == Status.DRAFT:
            draft[strategy.qualification_id] = strategy
    return [QualificationStrategies(q, titles.get(q.pk, ""), approved.get(q.pk), draft.get(q.pk), counts.get(q.pk, 0))
            for q in qualifications]


def current_cycle(strategy: SamplingStrategy, today: datetime.date | None = None) -> tuple[datetime.date, ...]:
    today = today or timezone.localdate()
    return strategy.cycle_for(strategy.cycle_start_year_of(today))


def cycle_start_text(strategy: SamplingStrategy) -> str:
    """"1 August": the day the cycle starts each year."""
    return date_format(datetime.date(2000, strategy.cycle_start_month, strategy.cycle_start_day), "j F")


def qualification_title(qualification: Qualification) -> str:
    version = qualification.versions.order_by("-number").first()
    return version.title if version else ""


def strategy_versions(*, strategy: SamplingStrategy) -> list[SamplingStrategy]:
    return list(SamplingStrategy.objects.filter(centre=strategy.centre_id, qualification=strategy.qualification_id)
                .select_related("approved_by", "created_by").order_by("-version"))


def strategy_draft_of(*, strategy: SamplingStrategy) -> SamplingStrategy | None:
    return SamplingStrategy.objects.filter(centre=strategy.centre_id, qualification=strategy.qualification_id,
                                           status=Status.DRAFT).first()


@dataclass
class AssessorRiskRow:
    assessor: User
    risk: AssessorRisk
    learners: int  # enrolments of theirs on the qualification that are active or on a break

    @property
    def tier_label(self) -> str:
        return RiskTier(self.risk.tier).label

    @property
    def computed_label(self) -> str:
        return RiskTier(self.risk.computed_tier).label


def tier_counts(rows: list[AssessorRiskRow]) -> list[tuple[str, str, int]]:
    """[(tier, label, number of assessors)], high first."""
    return [(tier.value, tier.label, sum(1 for r in rows if r.risk.tier == tier)) for tier in RiskTier]


def assessor_risk_rows(*, strategy: SamplingStrategy, today: datetime.date | None = None) -> list[AssessorRiskRow]:
    """Every assessor of the strategy's qualification with their risk, high tier first, then by name."""
    risks = assessor_risks(strategy=strategy, today=today)
    users = User.objects.in_bulk(list(risks))
    learners = dict(Enrolment.objects.filter(
        centre=strategy.centre_id, version__qualification=strategy.qualification_id, assessor_id__in=list(risks),
        status__in=(Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK),
    ).values("assessor_id").annotate(n=Count("pk")).order_by().values_list("assessor_id", "n"))
    rows = [AssessorRiskRow(users[pk], risk, learners.get(pk, 0)) for pk, risk in risks.items()]
    rows.sort(key=lambda r: (TIER_ORDER[r.risk.tier], r.assessor.last_name.casefold(),
                             r.assessor.first_name.casefold(), r.assessor.pk))
    return rows


def withdrawn_overrides(*, strategy: SamplingStrategy, limit: int = 50) -> list[AssessorRiskOverride]:
    """The history: overrides withdrawn or replaced, newest first."""
    return list(AssessorRiskOverride.objects.filter(
        centre=strategy.centre_id, qualification=strategy.qualification_id, withdrawn_at__isnull=False,
    ).select_related("assessor", "set_by").order_by("-withdrawn_at", "-pk")[:limit])
