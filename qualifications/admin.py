"""Read-only: specifications change only through the app, where each change is checked and audited."""

from django.contrib import admin

from centres.admin import ReadOnlyAdmin

from .models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = QualificationVersion
    fields = ["number", "title", "status", "frozen_at"]


class UnitInline(ReadOnlyInline):
    model = Unit
    fields = ["position", "code", "title", "credits", "guided_learning_hours", "mandatory"]


class OutcomeInline(ReadOnlyInline):
    model = LearningOutcome
    fields = ["number", "text"]


class CriterionInline(ReadOnlyInline):
    model = AssessmentCriterion
    fk_name = "outcome"
    fields = ["number", "text"]


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "centre", "created_at"]
    list_filter = ["kind", "centre"]
    search_fields = ["code", "versions__title"]
    list_select_related = ["centre"]
    inlines = [VersionInline]


@admin.register(QualificationVersion)
class QualificationVersionAdmin(ReadOnlyAdmin):
    list_display = ["qualification", "number", "title", "status", "frozen_at", "revision"]
    list_filter = ["status", "qualification__centre"]
    search_fields = ["qualification__code", "title"]
    list_select_related = ["qualification"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "version", "credits", "mandatory"]
    search_fields = ["code", "title"]
    list_select_related = ["version__qualification"]
    inlines = [OutcomeInline]


@admin.register(LearningOutcome)
class LearningOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["number", "text", "unit"]
    list_select_related = ["unit"]
    inlines = [CriterionInline]
