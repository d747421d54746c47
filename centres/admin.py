from django.contrib import admin

from .models import Centre, Invitation, Membership


class ReadOnlyAdmin(admin.ModelAdmin):
    """Roles and invitations change only through the app, where each change is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["enrolment_code", "self_registration_assessor"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "centre", "role", "assessor", "created_at", "ended_at"]
    list_filter = ["role", "centre"]
    search_fields = ["user__email", "centre__name"]
    list_select_related = ["user", "centre", "assessor"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "centre", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["centre"]
