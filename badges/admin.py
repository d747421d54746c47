from django.contrib import admin

from badges.models import Award, BadgeClass, Certificate, IssuerKey
from centres.admin import ReadOnlyAdmin


@admin.register(BadgeClass)
class BadgeClassAdmin(ReadOnlyAdmin):
    list_display = ["name", "centre", "kind", "validity_days", "created_at"]
    list_filter = ["kind", "centre"]
    search_fields = ["name", "uuid"]
    list_select_related = ["centre"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    """Awards change only through the app (award, revoke), where each change is audited."""

    list_display = ["badge_class", "recipient", "issued_on", "expires_at", "revoked_at", "status_index", "baked_at"]
    list_filter = ["badge_class__centre", "badge_class__kind"]
    search_fields = ["uuid", "recipient_email", "badge_class__name"]
    list_select_related = ["badge_class", "recipient"]
    exclude = ["credential_jwt"]


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ["key_id", "centre", "algorithm", "created_at", "retired_at"]
    list_select_related = ["centre"]
    exclude = ["private_key_encrypted"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "centre", "recipient", "tier", "issued_on", "revoked_at"]
    list_select_related = ["centre", "recipient"]
    search_fields = ["number", "uuid"]
