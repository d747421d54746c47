from django.contrib import admin

from centres.admin import ReadOnlyAdmin

from .models import CriterionDecision, Review, UnitSignOff, UnitUnlock


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["submission", "assessor", "outcome", "decided_at", "needs_countersign", "countersigned_at"]


@admin.register(CriterionDecision)
class CriterionDecisionAdmin(ReadOnlyAdmin):
    list_display = ["review", "criterion", "met", "decided_at"]


@admin.register(UnitSignOff)
class UnitSignOffAdmin(ReadOnlyAdmin):
    list_display = ["enrolment_unit", "number", "signed_off_by", "signed_off_at", "unlocked_at"]


@admin.register(UnitUnlock)
class UnitUnlockAdmin(ReadOnlyAdmin):
    list_display = ["sign_off", "unlocked_by", "unlocked_at"]
