from django.contrib import admin

from centres.admin import ReadOnlyAdmin
from portfolios.models import AssessmentPlan, Enrolment, Evidence, EvidenceFile, EvidenceSubmission


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["learner", "version", "assessor", "status", "start_date", "planned_end_date"]
    list_filter = ["status"]
    list_select_related = ["learner", "version__qualification", "assessor"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Read-only: evidence changes only through the app, where locks and the audit trail apply."""

    list_display = ["title", "enrolment", "status", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["enrolment__learner", "enrolment__version"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "size", "sha256", "processed_at"]


admin.site.register(EvidenceSubmission, ReadOnlyAdmin)
admin.site.register(AssessmentPlan, ReadOnlyAdmin)
