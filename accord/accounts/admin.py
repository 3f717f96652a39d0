"""Admin for users and teams: the administrator's escape hatch."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team, User
from accord.core.events import UserAccessChanged
from accord.core.hooks import emit


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "department", "team", "is_active", "is_staff", "is_out_of_office")
    list_select_related = ("team",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Accord"),
            {"fields": ("role", "department", "team", "monthly_capacity", "is_out_of_office")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Accord"), {"fields": ("role", "department", "team")}),
    )

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        changed = sorted({"role", "is_staff", "is_superuser", "is_active"} & set(form.changed_data))
        if changed:  # the audit log (accord.privacy, via accord.wiring): who changed whose access
            emit(
                UserAccessChanged(
                    user=obj, created=not change, fields=tuple(changed), actor=request.user
                )
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "time_zone", "is_active")
    list_filter = ("department", "is_active")
    search_fields = ("name",)


from accord.accounts import admin_api_keys  # noqa: E402,F401  (registers the API key admin)
