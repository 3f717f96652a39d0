"""People who use Accord: users with a role, and the teams they work in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKETING = "marketing", _("Marketer")
    SALES = "sales", _("Sales rep")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class Department(models.TextChoices):
    """Which side of the seam a person works on; a manager heads their department."""

    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    LEADERSHIP = "leadership", _("Leadership")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, default=Department.SALES
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True, default=""
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
    )
    # Routing weight: how many leads a month this person can take (Odoo-style capacity).
    monthly_capacity = models.PositiveIntegerField(_("monthly lead capacity"), default=300)
    is_out_of_office = models.BooleanField(_("out of office"), default=False)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser
