"""Forecasting: quotas, the reps' weekly submissions (immutable), managers' adjustments kept
apart from them, and the append-only history of deals' close dates (slips and pulls)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel
from accord.core.money import DECIMAL_PLACES, DEFAULT_CURRENCY, MAX_DIGITS
from accord.pipeline.models.deals import ChangeSource, Deal
from accord.pipeline.models.pipelines import ForecastCategory


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )


class Immutable(models.Model):
    """Rows written once: saving an existing row or deleting one raises (bulk deletes of
    the demo reset and cascades from a deleted person still go through)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are immutable once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are immutable once written.")


class Quota(TimestampedModel):
    """What a rep is expected to win in one month or quarter (won amount, deal currency)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotas"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    amount = _money(_("quota"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["period_start", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start"], name="quota_one_per_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period_kind} {self.period_start}: {self.amount}"


class ForecastSubmission(Immutable):
    """A rep's call for one period, made once in one week; never changed afterwards.

    ``stage_weighted`` and ``model_weighted`` are what the system's methods said at the same
    moment over the same deals, so every method is later scored on the same footing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forecast_submissions"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    #: The Monday of the week it was submitted in (one submission per rep, period and week).
    week_start = models.DateField(_("week"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    closed = _money(_("closed"))
    commit = _money(_("commit"))
    best_case = _money(_("best case"))
    pipeline = _money(_("pipeline"))
    stage_weighted = _money(_("stage-weighted"))
    model_weighted = models.DecimalField(
        _("model-weighted"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        verbose_name = _("forecast submission")
        verbose_name_plural = _("forecast submissions")
        ordering = ["-week_start", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start", "week_start"],
                name="forecast_one_submission_per_week",
            ),
            models.CheckConstraint(
                condition=Q(commit__gte=0) & Q(best_case__gte=0) & Q(pipeline__gte=0),
                name="forecast_submission_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period_kind} {self.period_start} @ {self.week_start}"


class ForecastSubmissionDeal(Immutable):
    """One deal behind a submission, as it stood when submitted."""

    submission = models.ForeignKey(
        ForecastSubmission, on_delete=models.CASCADE, related_name="deals"
    )
    deal = models.ForeignKey(Deal, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(
        _("forecast category"), max_length=20, choices=ForecastCategory.choices
    )
    stage = models.CharField(_("stage"), max_length=40)
    amount = _money(_("amount"))
    close_date = models.DateField(_("close date"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal in a forecast submission")
        verbose_name_plural = _("deals in forecast submissions")

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.deal_id} {self.category}"


class ManagerAdjustment(Immutable):
    """A manager's correction of a rep's submission: who, what and why, beside the original.

    Several may follow one submission; the newest is the adjusted forecast.
    """

    submission = models.ForeignKey(
        ForecastSubmission, on_delete=models.CASCADE, related_name="adjustments"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    commit = _money(_("adjusted commit"))
    best_case = _money(_("adjusted best case"))
    reason = models.TextField(_("why"))

    class Meta:
        verbose_name = _("manager adjustment")
        verbose_name_plural = _("manager adjustments")
        ordering = ["submission", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commit__gte=0) & Q(best_case__gte=0),
                name="forecast_adjustment_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} adjusted by {self.by_id}"


class DealCloseDateChange(models.Model):
    """One change of a deal's expected close date (append-only): slips and pull-ins."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="close_date_changes")
    old_date = models.DateField(_("old close date"), null=True, blank=True)
    new_date = models.DateField(_("new close date"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ChangeSource.choices, default=ChangeSource.UI
    )

    class Meta:
        verbose_name = _("deal close date change")
        verbose_name_plural = _("deal close date changes")
        ordering = ["deal", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.old_date} -> {self.new_date}"
