"""Admin for channels, campaigns, spend, (read-only) touchpoints and capture follow-ups."""

from __future__ import annotations

from django.contrib import admin

from accord.tracking.models import (
    Campaign,
    CaptureSite,
    Channel,
    SpendEntry,
    SubmissionFollowup,
    Touchpoint,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_paid", "position")
    list_filter = ("is_paid",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "utm_campaign", "channel", "budget", "currency", "starts_on", "ends_on")
    list_filter = ("channel", "currency")
    search_fields = ("name", "utm_campaign")
    raw_id_fields = ("owner",)
    list_select_related = ("channel",)


@admin.register(SpendEntry)
class SpendEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "channel", "campaign", "cost", "currency", "impressions", "clicks")
    list_filter = ("channel", "currency")
    raw_id_fields = ("campaign",)
    list_select_related = ("channel", "campaign")
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    """Touches are append-only events: visible here, never edited."""

    list_display = ("at", "type", "channel", "utm_source", "utm_medium", "utm_campaign", "contact")
    list_filter = ("type", "channel")
    search_fields = ("visitor_id", "utm_campaign", "contact__email")
    raw_id_fields = ("contact", "lead", "campaign")
    list_select_related = ("channel", "contact")
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Channel rules have their own admin module in the channels package; importing it here lets
# admin autodiscovery (which imports only ``accord.tracking.admin``) register it.
from accord.tracking.channels import admin as channels_admin  # noqa: E402, F401


@admin.register(CaptureSite)
class CaptureSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "public_key", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "public_key")
    readonly_fields = ("public_key",)


@admin.register(SubmissionFollowup)
class SubmissionFollowupAdmin(admin.ModelAdmin):
    """Pending capture follow-ups; the ones given up after their last attempt wait here
    (filter "failed") until someone fixes the cause and retries them."""

    list_display = ("id", "lead_id", "touchpoint_id", "created_at", "attempts", "failed_at")
    list_filter = (("failed_at", admin.EmptyFieldListFilter),)
    readonly_fields = [f.name for f in SubmissionFollowup._meta.fields]
    actions = ("retry",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed follow-ups")
    def retry(self, request, queryset):
        from accord.tracking.capture.followups import followups_retry

        count = followups_retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} follow-up(s) will be retried by the next run.")
