"""A portfolio's change is stale news for everyone who sees it: the learner (their home, My Progress, portfolio),
the enrolment's assessor and its moderator (their homes, caseloads and counts). `portfolio_changed` forgets them
all through the request cache's per-person generations, now and again on commit."""

from collections.abc import Iterable

from accounts.request_cache import forget_people


def people_of(enrolment_ids: Iterable[int]) -> set[int]:
    """The learners, assessors and moderators of these enrolments."""
    from .models import Enrolment

    ids = {pk for pk in enrolment_ids if pk is not None}
    if not ids:
        return set()
    people: set[int] = set()
    for row in Enrolment.objects.filter(pk__in=ids).values_list("learner_id", "assessor_id", "moderator_id"):
        people.update(pk for pk in row if pk is not None)
    return people


def portfolio_changed(*, enrolment_ids: Iterable[int] = (), learner_ids: Iterable[int] = ()) -> None:
    """What these enrolments' (and these learners' enrolments') people are shown is stale: forget the learners,
    their enrolments' assessors and moderators (now, and again once the transaction commits)."""
    from .models import Enrolment

    learner_ids = {pk for pk in learner_ids if pk is not None}
    enrolment_ids = set(enrolment_ids)
    if learner_ids:
        enrolment_ids.update(Enrolment.objects.filter(learner_id__in=learner_ids).values_list("pk", flat=True))
    forget_people(learner_ids | people_of(enrolment_ids))
