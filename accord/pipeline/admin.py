"""Admin for deals and activities."""

from __future__ import annotations

from django.contrib import admin

from accord.pipeline.models import Activity, Deal


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "amount", "currency", "owner", "expected_close", "closed_at")
    list_filter = ("stage", "pipeline", "currency", "lost_reason", "is_promotion")
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
