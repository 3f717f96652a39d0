"""A record of each demo load, so a half-loaded company is never taken for a whole one."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """One run of ``accord demo`` that loaded data; ``finished_at`` is set only on success."""

    seed = models.IntegerField(_("seed"))
    size = models.CharField(_("size"), max_length=20)
    leads = models.PositiveIntegerField(_("planned leads"))
    anchor = models.DateField(_("anchor date"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Rows written per model label, filled in when the load finishes.
    counts = models.JSONField(_("row counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("demo load")
        verbose_name_plural = _("demo loads")

    def __str__(self) -> str:
        state = "finished" if self.finished_at else "unfinished"
        return f"{self.size} demo, seed {self.seed} ({state})"
