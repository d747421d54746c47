"""Who may reach which enrolment. Used as the first line of every portfolio view."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from centres.models import Role

from .models import Enrolment


def enrolments_visible_to(request: HttpRequest):
    """The current centre's enrolments this person may read: their own as a learner, their caseload as an
    assessor, all of them as a centre admin or (read-only) moderator."""
    leap = request.leap
    enrolments = Enrolment.objects.filter(centre=leap.centre)
    if leap.has(Role.CENTRE_ADMIN, Role.MODERATOR, Role.EXTERNAL_MODERATOR):
        return enrolments
    if leap.has(Role.ASSESSOR) and leap.has(Role.LEARNER):
        from django.db.models import Q

        return enrolments.filter(Q(assessor=request.user) | Q(learner=request.user))
    if leap.has(Role.ASSESSOR):
        return enrolments.filter(assessor=request.user)
    if leap.has(Role.LEARNER):
        return enrolments.filter(learner=request.user)
    return enrolments.none()


def get_enrolment_for(request: HttpRequest, pk: int, *, write: bool = False) -> Enrolment:
    """An enrolment the person may see (else 404). `write`: may manage it — its assessor or a centre admin."""
    if request.leap.centre is None:
        raise Http404
    enrolment = (enrolments_visible_to(request)
                 .select_related("learner", "assessor", "moderator", "version__qualification", "centre")
                 .filter(pk=pk).first())
    if enrolment is None:
        raise Http404
    if write and not can_manage(request, enrolment):
        raise PermissionDenied
    return enrolment


def can_manage(request: HttpRequest, enrolment: Enrolment) -> bool:
    return request.leap.has(Role.CENTRE_ADMIN) or (
        request.leap.has(Role.ASSESSOR) and enrolment.assessor_id == request.user.pk
    )
