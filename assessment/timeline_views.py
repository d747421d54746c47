"""The audit timeline of an enrolment or of one of its units, on screen and as CSV or PDF."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from centres.access import role_required
from centres.models import Role
from portfolios.access import get_enrolment_for
from portfolios.models import Enrolment, EnrolmentUnit

from . import timeline

READERS = (Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR, Role.CENTRE_ADMIN)


def _enrolment_for_timeline(request: HttpRequest, pk: int) -> Enrolment:
    """The learner's own assessor, moderators and centre admins read it; not the learner, nor other assessors."""
    enrolment = get_enrolment_for(request, pk)
    oversees = request.leap.has(Role.MODERATOR, Role.EXTERNAL_MODERATOR, Role.CENTRE_ADMIN)
    if not oversees and enrolment.assessor_id != request.user.pk:
        raise Http404
    return enrolment


@role_required(*READERS)
@require_safe
def timeline_learner(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for_timeline(request, pk)
    built = timeline.timeline_build(enrolment=enrolment, unit=None, events=timeline.learner_timeline(enrolment),
                                    kinds=request.GET.getlist("kind"))
    return _respond(request, built)


@role_required(*READERS)
@require_safe
def timeline_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    enrolment = _enrolment_for_timeline(request, pk)
    enrolment_unit = EnrolmentUnit.objects.filter(enrolment=enrolment, unit_id=unit_pk).select_related("unit").first()
    if enrolment_unit is None:
        raise Http404
    unit = enrolment_unit.unit
    built = timeline.timeline_build(enrolment=enrolment, unit=unit, events=timeline.unit_timeline(enrolment, unit),
                                    kinds=request.GET.getlist("kind"))
    return _respond(request, built)


def _respond(request: HttpRequest, built: timeline.Timeline) -> HttpResponse:
    export = request.GET.get("format")
    if export == "csv":
        return _attachment(timeline.timeline_csv(built), "text/csv; charset=utf-8",
                           timeline.timeline_filename(built, "csv"))
    if export == "pdf":
        return _attachment(timeline.timeline_pdf(built), "application/pdf", timeline.timeline_filename(built, "pdf"))
    units = built.enrolment.enrolment_units.select_related("unit").order_by("unit__position")
    chosen = [("kind", k.kind) for k in built.kinds if k.chosen]  # the downloads hold what the page shows
    return render(request, "assessment/timeline.html", {
        "timeline": built, "units": units, "csv_query": urlencode([*chosen, ("format", "csv")]),
        "pdf_query": urlencode([*chosen, ("format", "pdf")])})


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
