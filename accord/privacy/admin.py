"""Admin: consent texts (add-only: a text is never edited, a new version is added), the
ledger, audit log and suppression list (read-only), retention periods and incidents."""

from __future__ import annotations

from django.contrib import admin

from accord.privacy.consent import consent_text_create
from accord.privacy.models import (
    AuditEntry,
    ConsentEvent,
    ConsentText,
    Incident,
    RetentionPolicy,
    SuppressionEntry,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("purpose", "version", "created_at", "sha256_en")
    list_filter = ("purpose",)
    readonly_fields = ("sha256_en", "sha256_ru", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # add a version; never edit one that may have been shown

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        created = consent_text_create(
            purpose=obj.purpose, version=obj.version, text_en=obj.text_en, text_ru=obj.text_ru
        )
        obj.pk = created.pk
        obj.sha256_en, obj.sha256_ru = created.sha256_en, created.sha256_ru


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "contact",
        "purpose",
        "granted",
        "lawful_basis",
        "channel",
        "text_version",
    )
    list_filter = ("purpose", "granted", "channel", "lawful_basis")
    list_select_related = ("contact",)
    search_fields = ("contact__email",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "target")
    list_filter = ("action",)


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "reason", "digest")
    list_filter = ("kind", "reason")


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("data_type", "days", "updated_at")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "detected_at", "reported_at", "followed_up_at", "affected_count")
    exclude = ("created_by",)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
