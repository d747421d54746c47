"""A portfolio's change is stale news for everyone who sees it: the learner (their home, My Progress, portfolio),
the enrolment's assessor and its moderator (their homes, caseloads and counts). `portfolio_changed` forgets them
all through the request cache's per-person generations, now and again on commit."""

from collections.abc import Iterable

from accounts.request_cache import forget_people


def people_of(*, enrolment_ids: Iterable[int] = (), learner_ids: Iterable[int] = ()) -> set[int]:
    """The learners, assessors and moderators of these enrolments and of every enrolment of these learners, with
    the learners themselves (enrolled or not): one query, none when there is nothing to look up."""
    from django.db.models import Q

    from .models import Enrolment

    enrolments = {pk for pk in enrolment_ids if pk is not None}
    learners = {pk for pk in learner_ids if pk is not None}
    people = set(learners)
    if enrolments or learners:
        rows = Enrolment.objects.filter(Q(pk__in=enrolments) | Q(learner_id__in=learners))
        for row in rows.values_list("learner_id", "assessor_id", "moderator_id"):
            people.update(pk for pk in row if pk is not None)
    return people


def portfolio_changed(*, enrolment_ids: Iterable[int] = (), learner_ids: Iterable[int] = ()) -> None:
    """What these enrolments' (and these learners' enrolments') people are shown is stale: forget the learners,
    their enrolments' assessors and moderators (now, and again once the transaction commits)."""
    forget_people(people_of(enrolment_ids=enrolment_ids, learner_ids=learner_ids))
