"""What an assessor's home shows that other people's work changes: their learners' portfolios forget them through
`portfolios.freshness.portfolio_changed`; decisions of anyone at the centre (a qualified assessor's "to
countersign", prior learning nobody assesses any more) forget the centre's assessment generation, under which the
assessor's home figures are read too."""

from collections.abc import Iterable

from accounts.request_cache import forget_shared
from portfolios.freshness import portfolio_changed


def centre_generation(centre_id: int) -> str:
    """The shared generation of the centre's assessment decisions, replaced by every decision made there."""
    return f"assessment:centre:{centre_id}"


def assessment_changed(*, enrolment_ids: Iterable[int] = (), centre_ids: Iterable[int] = ()) -> None:
    """The learners and assessors of these enrolments, and the centres' assessors' home figures, are stale (now,
    and again on commit)."""
    enrolment_ids = [pk for pk in set(enrolment_ids) if pk is not None]
    if enrolment_ids:
        portfolio_changed(enrolment_ids=enrolment_ids)
    for centre_id in {pk for pk in centre_ids if pk is not None}:
        forget_shared(centre_generation(centre_id))
