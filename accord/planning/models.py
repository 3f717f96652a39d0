"""Joint plans: a period's revenue target and the funnel assumptions behind it, the channel
scenarios compared against it, and every revision of it (the history both heads read)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.money import DEFAULT_CURRENCY


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=120)
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    #: The period's first month, ``YYYY-MM``.
    start_month = models.CharField(_("first month"), max_length=7)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    #: The past window the measured rates were taken from.
    window_start = models.DateField(_("measured from"))
    window_end = models.DateField(_("measured until"))
    #: Target, deal size, rates, lags, channels, ICP, segments, key channels
    #: (``accord.planning.content``).
    content = models.JSONField(_("content"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    marketing_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marketing_approved_at = models.DateTimeField(null=True, blank=True)
    sales_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sales_approved_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_month", "-pk"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class PlanScenario(models.Model):
    """Another channel mix for the same plan ("more paid search", "more events")."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(_("name"), max_length=120)
    #: Budget per channel slug for the period.
    budgets = models.JSONField(_("budgets"), default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("plan scenario")
        verbose_name_plural = _("plan scenarios")
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="planning_scenario_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PlanAction(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    SUBMITTED = "submitted", _("submitted for approval")
    WITHDRAWN = "withdrawn", _("returned to draft")
    APPROVED = "approved", _("approved")
    REOPENED = "reopened", _("reopened for changes")


class PlanRevision(models.Model):
    """One step of a plan's life, with its content after the step (diffed for the history)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(_("action"), max_length=12, choices=PlanAction.choices)
    side = models.CharField(_("side"), max_length=12, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    content = models.JSONField(default=dict)

    class Meta:
        ordering = ["plan", "at", "pk"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.action}"
