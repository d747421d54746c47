from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Membership
from centres.services import ServiceError

from .exports import FORMATS, ExportContext, export_bytes, export_filename
from .reports.base import Filters
from .scope import READERS


def report_export(*, context: ExportContext, filters: Filters, fmt: str, actor: User) -> tuple[str, bytes]:
    """The report as a file (its name and bytes), recorded in the audit trail with the filters it was made with.

    `context.result` was computed over the enrolments the actor may see (`insights.scope.enrolments_for`)."""
    if fmt not in FORMATS:
        raise ServiceError(_("Exports are CSV, XLSX or PDF."))
    if not Membership.objects.current().filter(user=actor, centre=context.centre, role__in=READERS).exists():
        raise ServiceError(_("Only the centre's staff export its reports."))
    body = export_bytes(context, fmt)
    name = export_filename(context, fmt)
    with transaction.atomic():
        audit_record(action="insights.exported", actor=actor, centre=context.centre, data={
            "report": context.report.slug, "format": fmt, "filters": filters.params(),
            "rows": len(context.result.rows), "file": name, "bytes": len(body)})
    return name, body
