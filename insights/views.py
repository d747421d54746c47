import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from portfolios.enrolments.selectors import percent, schedule, with_progress_counts
from portfolios.models import Enrolment

from . import headlines
from .charts import render_charts
from .exports import FORMATS, ExportContext, figure_parts
from .flags.views import FLAGGERS
from .forms import FiltersForm
from .reports import at_risk as at_risk_report
from .reports import catalogue  # noqa: F401 — registers every report
from .reports.base import CATALOGUE, Filters, Report, Result
from .scope import READERS, enrolments_for
from .services import report_export

DRILL_PAGE_SIZE = 50


TABLE_PAGE_SIZE = 100


@role_required(*READERS)
@require_safe
def insights_home(request: HttpRequest) -> HttpResponse:
    """The catalogue of reports, under the reader's headline figures."""
    return render(request, "insights/home.html", {
        "reports": list(CATALOGUE.values()), "headlines": headlines.headlines_for(request)})


@role_required(*READERS)
@require_safe
def insights_report(request: HttpRequest, slug: str) -> HttpResponse:
    report, enrolments, form, filters = _report_and_filters(request, slug)
    result = report.compute(enrolments, filters=filters, today=timezone.localdate())
    table = Paginator(result.rows, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))  # the exports carry every row
    return render(request, "insights/report.html", {
        "report": report, "form": form, "filters": filters, "query": filters.params(),
        "figures": figure_cards(report, result, filters), "charts": render_charts(result.charts),
        "result": result, "table": table, "formats": list(FORMATS)})


@role_required(*READERS)
@require_safe
def insights_drill(request: HttpRequest, slug: str, bucket: str) -> HttpResponse:
    """The learners behind one figure, with the report's filters; 50 a page."""
    report, enrolments, form, filters = _report_and_filters(request, slug)
    if bucket not in report.buckets:
        raise Http404
    today = timezone.localdate()
    chosen = report.drill(enrolments, filters=filters, bucket=bucket, today=today).filter(
        pk__in=enrolments.values("pk"))  # never a learner outside the reader's scope, whatever the report gives
    if "criteria_met" not in chosen.query.annotations:
        chosen = with_progress_counts(chosen)
    learners = (chosen.select_related("learner", "assessor", "version__qualification")
                .order_by("learner__last_name", "learner__first_name", "pk"))
    page = Paginator(learners, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    at_risk = slug == at_risk_report.REPORT.slug  # its learners show their reasons, and staff may flag them
    rows = []
    for enrolment in page:
        achieved = percent(enrolment.criteria_met, enrolment.criteria_total)
        rows.append({"enrolment": enrolment, "achieved": achieved, "schedule": schedule(enrolment, achieved, today),
                     "reasons": at_risk_report.reasons_of(enrolment) if at_risk else []})
    return render(request, "insights/drill.html", {
        "report": report, "bucket": bucket, "bucket_label": report.buckets[bucket], "form": form,
        "query": filters.params(), "page": page, "today": today, "rows": rows, "at_risk": at_risk,
        "may_flag": at_risk and request.leap.has(*FLAGGERS), "next": request.get_full_path(),
        "whole_centre": not _own_caseload(request)})


@role_required(*READERS)
@require_safe
def insights_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    report, enrolments, form, filters = _report_and_filters(request, slug)
    today = timezone.localdate()
    result = report.compute(enrolments, filters=filters, today=today)
    context = ExportContext(report=report, result=result, centre=request.leap.centre, today=today,
                            filters=form.described())
    try:
        name, body = report_export(context=context, filters=filters, fmt=fmt, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(reverse("insights_report", args=[slug]) + (f"?{filters.params()}" if filters.params() else ""))
    return FileResponse(io.BytesIO(body), as_attachment=True, filename=name, content_type=FORMATS[fmt])


# --- Helpers ----------------------------------------------------------------------------------------------

def _report_and_filters(request: HttpRequest, slug: str) -> tuple[Report, QuerySet[Enrolment], FiltersForm, Filters]:
    """The report, the enrolments the reader may see, and the filters of the query string."""
    report = CATALOGUE.get(slug)
    if report is None:
        raise Http404
    enrolments = enrolments_for(request)
    form = FiltersForm(request.GET or None, enrolments=enrolments, with_assessors=not _own_caseload(request))
    return report, enrolments, form, form.filters()


def _own_caseload(request: HttpRequest) -> bool:
    """An assessor (and nobody higher) reads their own caseload only: no assessor filter, no assessor column."""
    leap = request.leap
    return not leap.has(Role.CENTRE_ADMIN, Role.MODERATOR) and not (
        leap.grant is not None and leap.has(Role.EXTERNAL_MODERATOR))


def figure_cards(report: Report, result: Result, filters: Filters) -> list[dict]:
    """Each figure as it is shown: its value in words and numbers, and the link to its learners."""
    query = filters.params()
    return [{"figure": f, "parts": figure_parts(f), "url": (
        reverse("insights_drill", args=[report.slug, f.bucket]) + (f"?{query}" if query else "")
        if f.bucket in report.buckets else None)} for f in result.figures]
