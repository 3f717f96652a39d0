"""Admin for accounts, contacts and leads.

Lists can hold a million rows: foreign keys are raw id inputs (no giant select boxes) and the
full result count is skipped. Stages change only through ``lead_transition`` (the log and the
lead must agree), so the stage and the transition log are read-only here.
"""

from __future__ import annotations

from django.contrib import admin

from accord.contacts.models import Account, Contact, Lead, StageTransition


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "employees", "country", "owner")
    list_filter = ("country", "industry")
    search_fields = ("name", "domain", "external_id")
    raw_id_fields = ("owner",)
    list_select_related = ("owner",)
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "phone", "job_title", "account", "created_at")
    search_fields = ("email", "phone", "first_name", "last_name", "external_id")
    raw_id_fields = ("account",)
    list_select_related = ("account",)
    date_hierarchy = "created_at"
    show_full_result_count = False


class StageTransitionInline(admin.TabularInline):
    model = StageTransition
    fields = ("at", "from_stage", "to_stage", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "contact",
        "stage",
        "score",
        "grade",
        "owner",
        "source_channel",
        "created_at",
    )
    list_filter = ("stage", "is_open", "grade", "source_channel")
    search_fields = ("contact__email", "contact__first_name", "contact__last_name", "external_id")
    raw_id_fields = ("contact", "owner", "source_campaign")
    readonly_fields = ("stage", "stage_changed_at", "is_open")
    list_select_related = ("contact", "owner", "source_channel")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = (StageTransitionInline,)


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    """The append-only lifecycle log: visible, never edited."""

    list_display = ("lead", "from_stage", "to_stage", "at", "actor", "reason")
    list_filter = ("to_stage", "from_stage")
    raw_id_fields = ("lead", "actor")
    list_select_related = ("lead__contact", "actor")
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
