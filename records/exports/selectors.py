"""Reads of portfolio exports: the learner's list, a link's export, one export for the person it is for."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from centres.models import Membership, Role, hash_token
from portfolios.models import Enrolment

from .models import ExportRequest

SHOWN = 20  # the learner's latest exports shown on their profile


def exports_for(user: User) -> QuerySet[ExportRequest]:
    """The exports `user` downloads: their own portfolio's (a subject-access export is the admin's to hand over)
    and the subject-access exports they asked for."""
    return ExportRequest.objects.filter(
        Q(learner=user) & ~Q(purpose=ExportRequest.Purpose.SUBJECT_ACCESS)
        | Q(requested_by=user, purpose=ExportRequest.Purpose.SUBJECT_ACCESS))


def learner_exports(user: User) -> list[ExportRequest]:
    """The learner's latest exports of their own portfolio, newest first (one query)."""
    return list(exports_for(user).filter(learner=user).select_related("centre", "requested_by")[:SHOWN])


def export_for(user: User, pk: int) -> ExportRequest:
    """One export for the person it is for; anyone else's is 404."""
    export = exports_for(user).filter(pk=pk).select_related("centre", "learner").first()
    if export is None:
        raise Http404
    return export


def export_for_token(token: str) -> ExportRequest | None:
    return ExportRequest.objects.filter(token_hash=hash_token(token)).select_related("centre", "learner").first()


def has_portfolio(user: User, memberships: list[Membership]) -> bool:
    """A learner somewhere now (from the memberships already loaded), or once (an enrolment kept after leaving)."""
    return (any(m.role == Role.LEARNER for m in memberships)
            or Enrolment.objects.filter(learner=user).exists())


def staff_exports(*, learner: User, actor: User, centre) -> list[ExportRequest]:
    """What a member of staff asked for this learner at this centre, newest first (the latest three)."""
    return list(ExportRequest.objects.filter(learner=learner, requested_by=actor, centre=centre)
                .exclude(purpose=ExportRequest.Purpose.SUBJECT_ACCESS)[:3])
