"""The object helpers of qualification pages: the first line of every view that takes an object id.

Staff of the current centre read specifications; only its centre admins change them. An external moderator reads
only the qualifications with an enrolment in their grant's scope (`LeapContext.grant_enrolments()`, supplied by
the moderation layer). Objects of another centre answer 404, as if they did not exist; a reader asking to change
something answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from centres.models import Role

from .models import AssessmentCriterion, LearningOutcome, QualificationVersion, Unit

READERS = (Role.CENTRE_ADMIN, Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR)
EDITORS = (Role.CENTRE_ADMIN,)


def in_grant_scope(request: HttpRequest, queryset, qualification_path: str = "qualification_id"):
    """`queryset` as an external moderator may read it: objects of the qualifications that have an enrolment in
    the grant's scope (`qualification_path` leads from the object to its qualification's id). Others: unchanged."""
    leap = request.leap
    if not leap.reads_under_grant or leap.has(Role.ASSESSOR):
        return queryset
    scope = leap.grant_enrolments()
    if scope is None:
        return queryset.none()
    return queryset.filter(**{f"{qualification_path}__in": scope.values("version__qualification_id")})


def _found(request: HttpRequest, queryset, pk: int, *, write: bool, path: str):
    leap = request.leap
    if leap.centre is None or not leap.has(*READERS):
        raise Http404
    obj = in_grant_scope(request, queryset, path).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not leap.has(*EDITORS):
        raise PermissionDenied
    return obj


def get_version_for(request: HttpRequest, pk: int, *, write: bool = False) -> QualificationVersion:
    versions = QualificationVersion.objects.select_related("qualification__centre")
    return _found(request, versions.filter(qualification__centre=request.leap.centre), pk, write=write,
                  path="qualification_id")


def get_unit_for(request: HttpRequest, pk: int, *, write: bool = False) -> Unit:
    units = Unit.objects.select_related("version__qualification__centre")
    return _found(request, units.filter(version__qualification__centre=request.leap.centre), pk, write=write,
                  path="version__qualification_id")


def get_outcome_for(request: HttpRequest, pk: int, *, write: bool = False) -> LearningOutcome:
    outcomes = LearningOutcome.objects.select_related("unit__version__qualification__centre")
    return _found(request, outcomes.filter(unit__version__qualification__centre=request.leap.centre), pk,
                  write=write, path="unit__version__qualification_id")


def get_criterion_for(request: HttpRequest, pk: int, *, write: bool = False) -> AssessmentCriterion:
    criteria = AssessmentCriterion.objects.select_related("outcome__unit__version__qualification__centre")
    return _found(request, criteria.filter(outcome__unit__version__qualification__centre=request.leap.centre), pk,
                  write=write, path="outcome__unit__version__qualification_id")
