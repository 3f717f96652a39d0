"""Admin for users and teams: the administrator's escape hatch."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team, User
from accord.privacy.audit import audit_record


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "department", "team", "is_active", "is_staff", "is_out_of_office")
    list_select_related = ("team",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
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
        if changed:  # the audit log (accord.privacy): who changed whose access, to what
            audit_record(
                action="user.role_changed" if change else "user.created",
                actor=request.user,
                target=f"user:{obj.pk}",
                details={name: getattr(obj, name) for name in changed},
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "time_zone", "is_active")
    list_filter = ("department", "is_active")
    search_fields = ("name",)


from accord.accounts import admin_api_keys  # noqa: E402,F401  (registers the API key admin)
