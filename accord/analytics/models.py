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
