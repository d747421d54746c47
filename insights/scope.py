"""Whose enrolments a person's reports count: an assessor their own caseload, a moderator and a centre admin the
centre, an external moderator only their grant's scope. Everyone else sees no report."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from centres.models import Role
from moderation.external.selectors import grant_enrolments
from portfolios.models import Enrolment

READERS = (Role.CENTRE_ADMIN, Role.MODERATOR, Role.ASSESSOR, Role.EXTERNAL_MODERATOR)


def enrolments_for(request: HttpRequest) -> QuerySet[Enrolment]:
    leap = request.leap
    if leap.centre is None:
        raise Http404
    if leap.has(Role.CENTRE_ADMIN, Role.MODERATOR):
        return Enrolment.objects.filter(centre=leap.centre)
    if leap.grant is not None and leap.has(Role.EXTERNAL_MODERATOR):
        return grant_enrolments(leap.grant)
    if leap.has(Role.ASSESSOR):
        return Enrolment.objects.filter(centre=leap.centre, assessor=request.user)
    raise Http404
