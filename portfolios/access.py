"""Who may reach which enrolment. Used as the first line of every portfolio view.

An external moderator (EQA) reads, and only reads, the enrolments of their grant's scope, whatever their status:
`LeapContext.grant_enrolments()` gives them (the moderation layer above supplies the function, so this app never
imports it). Everything reached through an enrolment here (evidence, files, reviews, units, timelines) follows.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from centres.models import Role
from portfolios.models import Enrolment, Evidence, EvidenceFile


def enrolments_visible_to(request: HttpRequest) -> QuerySet[Enrolment]:
    """The current centre's enrolments this person may read: their own as a learner, their caseload as an
    assessor, the grant's scope as an external moderator, all of them as a centre admin or (read-only)
    moderator. One query wherever it is used (the grant's scope is a subquery)."""
    leap = request.leap
    enrolments = Enrolment.objects.filter(centre=leap.centre)
    if leap.has(Role.CENTRE_ADMIN, Role.MODERATOR):
        return enrolments
    visible = []
    if leap.has(Role.EXTERNAL_MODERATOR):
        visible.append(Q(pk__in=grant_scope(request).values("pk")))
    if leap.has(Role.ASSESSOR):
        visible.append(Q(assessor=request.user))
    if leap.has(Role.LEARNER):
        visible.append(Q(learner=request.user))
    return enrolments.filter(reduce(or_, visible)) if visible else enrolments.none()


def grant_scope(request: HttpRequest, centre_id: int | None = None) -> QuerySet[Enrolment]:
    """The enrolments of the external moderator's grant in `centre_id` (the current centre by default); none
    without a grant in effect there."""
    scope = request.leap.grant_enrolments(centre_id)
    return Enrolment.objects.none() if scope is None else scope


ENROLMENT_RELATED = ("learner", "assessor", "moderator", "version__qualification", "centre")


def get_enrolment_for(request: HttpRequest, pk: int, *, write: bool = False,
                      related: tuple[str, ...] = ENROLMENT_RELATED) -> Enrolment:
    """An enrolment the person may see (else 404). `write`: may manage it — its assessor or a centre admin.
    `related`: what is read with it (a page that shows little of it reads less)."""
    if request.leap.centre is None:
        raise Http404
    found = list(enrolments_visible_to(request).select_related(*related).filter(pk=pk).order_by()[:1])
    if not found:
        raise Http404
    enrolment = found[0]
    if write and not can_manage(request, enrolment):
        raise PermissionDenied
    return enrolment


def can_manage(request: HttpRequest, enrolment: Enrolment) -> bool:
    return request.leap.has(Role.CENTRE_ADMIN) or (
        request.leap.has(Role.ASSESSOR) and enrolment.assessor_id == request.user.pk
    )


def get_evidence_for(request: HttpRequest, pk: int, *, write: bool = False):
    """Evidence of an enrolment the person may see. Drafts are the learner's own: staff do not see them.
    `write`: the learner who owns it (staff never change a learner's evidence)."""
    if request.leap.centre is None:
        raise Http404
    evidence = (Evidence.objects.filter(enrolment__in=enrolments_visible_to(request), pk=pk)
                .select_related("enrolment__learner", "enrolment__assessor", "enrolment__version__qualification",
                                "enrolment__centre").first())
    if evidence is None:
        raise Http404
    own = evidence.enrolment.learner_id == request.user.pk
    if not own and evidence.status == Evidence.Status.DRAFT:
        raise Http404
    if write and not own:
        raise PermissionDenied
    return evidence


def get_evidence_file_for(request: HttpRequest, pk: int):
    """A stored evidence file the person may open. Others see a photo only once its location is removed."""
    attached = EvidenceFile.objects.filter(pk=pk).only("evidence_id", "processed_at").first()
    if attached is None:
        raise Http404
    evidence = get_evidence_for(request, attached.evidence_id)
    attached = EvidenceFile.objects.get(pk=pk)
    if evidence.enrolment.learner_id != request.user.pk and not attached.is_processed:
        raise Http404
    attached.evidence = evidence
    return attached
