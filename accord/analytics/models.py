"""The shared meeting board: reports that the heads of marketing and sales pinned, in order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel


class PinnedReport(TimestampedModel):
    """One report with its filters on the board both heads share (their meeting agenda)."""

    title = models.CharField(_("title"), max_length=200)
    #: One of ``accord.analytics.reports.REPORTS``.
    report = models.CharField(_("report"), max_length=30)
    #: The page's query string values (filters and report options), as submitted.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pinned report")
        verbose_name_plural = _("pinned reports")

    def __str__(self) -> str:
        return self.title


class CopyLease(models.Model):
    """Which node writes the analytics copy now (``accord.analytics.sync.lease``).

    One row per lease name. A node takes it with one conditional UPDATE (free, or expired),
    renews ``expires_at`` while it works, and clears ``holder`` when done; a node that died
    loses it when ``expires_at`` passes. A row rather than a PostgreSQL advisory lock: it
    works on SQLite and through PgBouncer in transaction mode, where session locks do not.
    """

    name = models.CharField(max_length=64, unique=True)
    #: The holder's random token; empty when free.
    holder = models.CharField(max_length=64, blank=True, default="")
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.IntegerField(default=0)
    acquired_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("analytics copy lease")
        verbose_name_plural = _("analytics copy leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.host or '-'} (pid {self.pid})"
