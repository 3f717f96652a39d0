"""People who use Accord: users with a role, and the teams they work in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
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
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True, default=""
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # Routing weight: how many leads a month this person can take (Odoo-style capacity).
    monthly_capacity = models.PositiveIntegerField(_("monthly lead capacity"), default=300)
    is_out_of_office = models.BooleanField(_("out of office"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


class ApiKey(models.Model):
    """A key that an integration uses to call the REST API.

    Only a SHA-256 hash of the secret is stored; the plain key is shown once, when created.
    ``prefix`` (the first characters of the key) is kept so people can tell keys apart.
    Scopes are ``<resource>:<read|write>`` strings, ``*`` standing for any resource.
    """

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    hashed_secret = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_keys"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ShopperTokenUse(models.Model):
    """A test-lead token spent at capture (``accord.accounts.shopper_tokens``): its nonce is
    unique, so a token marks one lead as a test and is refused when sent again."""

    nonce = models.CharField(max_length=32, unique=True)
    auditor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    lead_id = models.BigIntegerField(null=True)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("spent test-lead token")
        verbose_name_plural = _("spent test-lead tokens")

    def __str__(self) -> str:
        return self.nonce
