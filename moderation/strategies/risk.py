"""Assessor risk: the tier each assessor is in for one strategy's centre and qualification, and why.

The facts, each worked out for the strategy's centre and qualification:

- **not yet qualified**: the assessor's membership says their decisions are countersigned;
- **new to the centre**: their assessor membership is less than 12 months old;
- **first cohort**: none of their enrolments on this qualification started before the current cycle;
- **disagreement**: 10 % or more of their last 20 signed samples (on this qualification) ended in a
  disagreement (assessor to act, or decision overturned);
- **overdue actions**: IQA actions they own (on this qualification) that are open or awaiting the moderator
  and past their due date.

The rule: **high** if two or more facts apply, or the assessor is not yet qualified; **medium** if exactly one
fact applies; **low** if none does. A moderator's override (the latest one not withdrawn) replaces the tier; the
computed tier and the facts are kept so the page can say both.

`assessor_risks` runs a fixed number of queries, however many assessors and learners there are.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Min, Q
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centres.models import Membership, Role
from moderation.models import AssessorRiskOverride, RiskTier, Sample, SampleAction, SamplingStrategy
from portfolios.models import Enrolment

NEW_TO_CENTRE_MONTHS = 12
DISAGREEMENT_WINDOW = 20  # the last N signed samples
DISAGREEMENT_THRESHOLD_PERCENT = 10
DISAGREE_OUTCOMES = (Sample.Outcome.DISAGREE_ACT, Sample.Outcome.DISAGREE_OVERTURN)
SIGNED_STATUSES = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
OVERDUE_STATUSES = (SampleAction.Status.OPEN, SampleAction.Status.DONE)


def rule_text() -> str:
    """The "how this is worked out" note, for pages."""
    return _(
        "High if two or more of these facts apply, or the assessor is not yet qualified; medium if exactly one "
        "applies; low if none does. The facts: not yet qualified (decisions are countersigned); less than 12 "
        "months at the centre; first cohort on this qualification (no enrolment of theirs started before this "
        "cycle); an IQA disagreement rate of 10 % or more over their last 20 signed samples; IQA actions "
        "overdue. A moderator may override the tier with a written reason."
    )


@dataclass(frozen=True)
class AssessorRisk:
    assessor_id: int
    tier: str  # RiskTier value: the override's tier if there is one, else computed_tier
    computed_tier: str
    reasons: list[str] = field(default_factory=list)
    override: AssessorRiskOverride | None = None
    # The facts as data (for pages and the plan summary): names of the facts that apply.
    facts: tuple[str, ...] = ()

    @property
    def overridden(self) -> bool:
        return self.override is not None


def tier_for(facts: set[str]) -> str:
    """The rule: high if two or more facts or not qualified; medium for one fact; low for none."""
    if "not_qualified" in facts or len(facts) >= 2:
        return RiskTier.HIGH.value
    if len(facts) == 1:
        return RiskTier.MEDIUM.value
    return RiskTier.LOW.value


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end`."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def assessor_risks(*, strategy: SamplingStrategy, today: datetime.date | None = None) -> dict[int, AssessorRisk]:
    """Every assessor with an enrolment (any status) on the strategy's qualification at its centre, keyed by
    user id, with their tier and the reasons for it. See the module docstring for the rule. Five queries."""
    today = today or timezone.localdate()
    centre_id, qualification_id = strategy.centre_id, strategy.qualification_id
    cycle_start, _cycle_end = strategy.cycle_for(strategy.cycle_start_year_of(today))

    # 1. The assessors, and when their earliest enrolment on this qualification started.
    first_start = dict(
        Enrolment.objects.filter(centre_id=centre_id, version__qualification_id=qualification_id)
        .values("assessor_id").annotate(first=Min("start_date")).order_by().values_list("assessor_id", "first"))
    if not first_start:
        return {}
    assessor_ids = list(first_start)

    # 2. Their assessor memberships at the centre (qualified flag, joined when).
    memberships = {
        m["user_id"]: m for m in Membership.objects.filter(
            centre_id=centre_id, role=Role.ASSESSOR, user_id__in=assessor_ids,
        ).values("user_id", "qualified", "created_at")
    }

    # 3. Their last 20 signed samples on this qualification, newest first.
    last_samples = (
        Sample.objects.filter(centre_id=centre_id, enrolment__version__qualification_id=qualification_id,
                              assessor_id__in=assessor_ids, status__in=SIGNED_STATUSES)
        .annotate(rank=Window(RowNumber(), partition_by=[F("assessor_id")],
                              order_by=[F("signed_at").desc(nulls_last=True), F("pk").desc()]))
        .filter(rank__lte=DISAGREEMENT_WINDOW)
        .values_list("assessor_id", "outcome")
    )
    sampled: dict[int, int] = {}
    disagreed: dict[int, int] = {}
    for assessor_id, outcome in last_samples:
        sampled[assessor_id] = sampled.get(assessor_id, 0) + 1
        if outcome in DISAGREE_OUTCOMES:
            disagreed[assessor_id] = disagreed.get(assessor_id, 0) + 1

    # 4. Their overdue IQA actions on this qualification.
    overdue: dict[int, int] = {}
    for owner_id in SampleAction.objects.filter(
            sample__centre_id=centre_id, sample__enrolment__version__qualification_id=qualification_id,
            owner_id__in=assessor_ids, status__in=OVERDUE_STATUSES, due_date__lt=today).values_list(
            "owner_id", flat=True):
        overdue[owner_id] = overdue.get(owner_id, 0) + 1

    # 5. The overrides in force: the latest not withdrawn per assessor.
    overrides: dict[int, AssessorRiskOverride] = {}
    for override in AssessorRiskOverride.objects.filter(
            Q(centre_id=centre_id, qualification_id=qualification_id, assessor_id__in=assessor_ids,
              withdrawn_at__isnull=True)).select_related("set_by").order_by("-set_at", "-pk"):
        overrides.setdefault(override.assessor_id, override)

    return {assessor_id: _risk(assessor_id, today=today, membership=memberships.get(assessor_id),
                               first_cohort=first_start[assessor_id] >= cycle_start,
                               sampled=sampled.get(assessor_id, 0), disagreed=disagreed.get(assessor_id, 0),
                               overdue=overdue.get(assessor_id, 0), override=overrides.get(assessor_id))
            for assessor_id in assessor_ids}


def _risk(assessor_id: int, *, today: datetime.date, membership: dict | None, first_cohort: bool, sampled: int,
          disagreed: int, overdue: int, override: AssessorRiskOverride | None) -> AssessorRisk:
    facts: list[str] = []
    reasons: list[str] = []
    if membership is not None:
        if not membership["qualified"]:
            facts.append("not_qualified")
            reasons.append(_("Not yet qualified: decisions are countersigned"))
        months = months_between(timezone.localdate(membership["created_at"]), today)
        if months < NEW_TO_CENTRE_MONTHS:
            facts.append("new_to_centre")
            reasons.append(_("At the centre for less than a month") if months == 0 else ngettext(
                "At the centre for %(months)d month (less than 12)",
                "At the centre for %(months)d months (less than 12)", months) % {"months": months})
    if first_cohort:
        facts.append("first_cohort")
        reasons.append(_("First cohort on this qualification"))
    if sampled and disagreed * 100 >= DISAGREEMENT_THRESHOLD_PERCENT * sampled:
        facts.append("disagreement")
        reasons.append(ngettext("Disagreement rate %(rate)d %% (%(disagreed)d of the last %(count)d sampled decision)",
                                "Disagreement rate %(rate)d %% (%(disagreed)d of the last %(count)d sampled decisions)",
                                sampled)
                       % {"rate": round(disagreed * 100 / sampled), "disagreed": disagreed, "count": sampled})
    if overdue:
        facts.append("overdue_actions")
        reasons.append(ngettext("%(count)d IQA action overdue", "%(count)d IQA actions overdue", overdue)
                       % {"count": overdue})
    computed = tier_for(set(facts))
    if not facts:
        reasons.append(_("None of the risk facts apply"))
    tier = computed
    if override is not None:
        tier = override.tier
        reasons.append(_("Overridden to %(tier)s by %(name)s (computed: %(computed)s): %(reason)s") % {
            "tier": RiskTier(override.tier).label.lower(), "name": override.set_by.display_name,
            "computed": RiskTier(computed).label.lower(), "reason": override.reason})
    return AssessorRisk(assessor_id=assessor_id, tier=tier, computed_tier=computed, reasons=reasons,
                        override=override, facts=tuple(facts))
