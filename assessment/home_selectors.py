"""The assessor's figures on the home page: what waits for them, each counted as the page it links to counts it."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone

from portfolios.plans.selectors import plans_to_sign

from .models import Review
from .queue_selectors import waiting_evidence
from .selectors import awaiting_countersign


@dataclass(frozen=True)
class AssessorWork:
    waiting: int  # evidence submitted and not decided (the queue)
    oldest_submitted_at: datetime.datetime | None
    plans_to_sign: int
    countersign: int  # qualified: others' decisions to countersign; not qualified: their own awaiting it
    qualified: bool
    now: datetime.datetime

    @property
    def oldest_days(self) -> int | None:
        """Whole days the oldest waiting item has waited since it was submitted."""
        return None if self.oldest_submitted_at is None else (self.now - self.oldest_submitted_at).days


def assessor_work(*, centre, assessor, qualified: bool, now: datetime.datetime | None = None) -> AssessorWork:
    """Three queries, whatever the number of learners or items."""
    waiting = waiting_evidence(centre=centre, assessor=assessor).aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    if qualified:
        countersign = awaiting_countersign(centre=centre, exclude_assessor=assessor).count()
    else:
        countersign = Review.objects.filter(submission__evidence__enrolment__centre=centre, assessor=assessor,
                                            needs_countersign=True, countersigned_at__isnull=True,
                                            decided_at__isnull=False).count()
    return AssessorWork(waiting=waiting["n"], oldest_submitted_at=waiting["oldest"],
                        plans_to_sign=plans_to_sign(centre=centre, assessor=assessor).count(),
                        countersign=countersign, qualified=qualified, now=now or timezone.now())
