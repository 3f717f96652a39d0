"""Admin for deals and activities."""

from __future__ import annotations

from django.contrib import admin

from accord.pipeline.models import (
    Activity,
    Deal,
    DealLostReason,
    DealStageChange,
    Pipeline,
    PipelineStage,
)


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "amount", "currency", "owner", "expected_close", "closed_at")
    list_filter = ("pipeline", "stage", "currency", "lost_reason", "is_promotion")
    search_fields = ("name", "external_id", "account__name")
    raw_id_fields = ("lead", "account", "owner")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "outcome", "user", "lead", "deal")
    list_filter = ("kind", "outcome")
    raw_id_fields = ("lead", "deal", "user")
    list_select_related = ("user", "lead__contact", "deal")
    date_hierarchy = "at"
    show_full_result_count = False


class PipelineStageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "order", "is_default", "is_archived")
    inlines = [PipelineStageInline]


@admin.register(DealLostReason)
class DealLostReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "key", "order", "is_active")


@admin.register(DealStageChange)
class DealStageChangeAdmin(admin.ModelAdmin):
    list_display = ("deal", "from_stage", "to_stage", "at", "by", "source")
    raw_id_fields = ("deal", "by")
    list_select_related = ("deal", "by")
    show_full_result_count = False

    # Append-only: the history is read here, never written.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
