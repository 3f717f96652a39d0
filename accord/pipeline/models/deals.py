"""Deals (opportunities), and the append-only records of their stage and amount changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel
from accord.core.money import DECIMAL_PLACES, DEFAULT_CURRENCY, MAX_DIGITS
from accord.pipeline.models.pipelines import ForecastCategory, Pipeline, pipeline_default_id


class DealStage(models.TextChoices):
    """The default pipeline's stage keys (``won`` and ``lost`` are reserved in every pipeline).

    Other pipelines have stages of their own (``PipelineStage``); a deal's stage is validated
    against its pipeline's by the deal service.
    """

    QUALIFICATION = "qualification", _("Qualification")
    DISCOVERY = "discovery", _("Discovery")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


#: The closed stages, by their reserved keys: a deal elsewhere is open, in any pipeline.
CLOSED_DEAL_STAGES = (DealStage.WON, DealStage.LOST)


class LostReason(models.TextChoices):
    """The lost reasons a new installation starts with (``DealLostReason`` is the live list)."""

    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_DECISION = "no_decision", _("No decision / went dark")
    TIMING = "timing", _("Bad timing")
    FEATURES = "features", _("Missing features")


class ChangeSource(models.TextChoices):
    """Where a recorded change came from."""

    UI = "ui", _("App")
    BOARD = "board", _("Board")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo")


class Deal(TimestampedModel):
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    account = models.ForeignKey(
        "contacts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    name = models.CharField(_("name"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline,
        on_delete=models.PROTECT,
        related_name="deals",
        default=pipeline_default_id,
        verbose_name=_("pipeline"),
    )
    #: A stage key of the deal's pipeline (``won``/``lost`` when closed).
    stage = models.CharField(
        _("stage"), max_length=40, default=DealStage.QUALIFICATION, db_index=True
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    amount = models.DecimalField(_("amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    discount_amount = models.DecimalField(
        _("discount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    is_promotion = models.BooleanField(_("promotion"), default=False)
    promotion_code = models.CharField(_("promotion code"), max_length=60, blank=True, default="")
    #: The lead's fit grade when it was handed to sales (``grades_at_handoff``): kept, so a
    #: later re-score does not move a won deal to another segment of the promotion report.
    handoff_grade = models.CharField(_("grade at hand-off"), max_length=1, blank=True, default="")
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    won_reason = models.CharField(_("won reason"), max_length=200, blank=True, default="")
    #: A ``DealLostReason`` key.
    lost_reason = models.CharField(_("lost reason"), max_length=30, blank=True, default="")
    competitor = models.CharField(_("competitor"), max_length=200, blank=True, default="")
    #: The rep's pick; '' follows the stage's category. A stage move never changes it.
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=20,
        choices=ForecastCategory.choices,
        blank=True,
        default="",
    )
    #: Optimistic concurrency: every stage move states the version it saw and bumps it.
    version = models.PositiveIntegerField(default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_deals",
    )
    external_id = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["pipeline", "stage"], name="deal_pipeline_stage")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0), name="deal_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealStageChange(models.Model):
    """One stage move of a deal (append-only); time in a stage runs to the next move's ``at``.

    The first row of a deal (``from_stage`` '') is its creation in its first stage.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(_("from stage"), max_length=40, blank=True, default="")
    to_stage = models.CharField(_("to stage"), max_length=40)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    source = models.CharField(
        _("source"), max_length=10, choices=ChangeSource.choices, default=ChangeSource.UI
    )

    class Meta:
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")
        ordering = ["deal", "at", "pk"]
        indexes = [models.Index(fields=["deal", "at"], name="deal_stage_change_deal_at")]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"


class DealAmountChange(models.Model):
    """One change of a deal's amount (append-only)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="amount_changes")
    old_amount = models.DecimalField(
        _("old amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    new_amount = models.DecimalField(
        _("new amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ChangeSource.choices, default=ChangeSource.UI
    )

    class Meta:
        verbose_name = _("deal amount change")
        verbose_name_plural = _("deal amount changes")
        ordering = ["deal", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.old_amount} → {self.new_amount}"
