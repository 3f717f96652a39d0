"""Django admin for API keys: list, inspect and revoke; keys are created by the CLI or
``api_key_create`` (so the plain key can be shown once), never typed in here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accord.accounts.api_keys import api_key_revoke
from accord.accounts.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    readonly_fields = (
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("hashed_secret",)
    actions = ["revoke"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        for key in queryset:
            api_key_revoke(key_id=key.pk, actor=request.user)
