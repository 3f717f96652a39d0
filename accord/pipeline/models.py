"""Deals (opportunities) and the activities reps log while working leads and deals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel
from accord.core.money import DECIMAL_PLACES, DEFAULT_CURRENCY, MAX_DIGITS


class DealStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    DISCOVERY = "discovery", _("Discovery")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_DEAL_STAGES = (
    DealStage.QUALIFICATION,
    DealStage.DISCOVERY,
    DealStage.PROPOSAL,
    DealStage.NEGOTIATION,
)


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_DECISION = "no_decision", _("No decision / went dark")
    TIMING = "timing", _("Bad timing")
    FEATURES = "features", _("Missing features")


class Deal(TimestampedModel):
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    account = models.ForeignKey(
        "contacts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    name = models.CharField(_("name"), max_length=200)
    pipeline = models.CharField(_("pipeline"), max_length=60, default="default")
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=DealStage.choices,
        default=DealStage.QUALIFICATION,
        db_index=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    discount_amount = models.DecimalField(
        _("discount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    is_promotion = models.BooleanField(_("promotion"), default=False)
    promotion_code = models.CharField(_("promotion code"), max_length=60, blank=True, default="")
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    won_reason = models.CharField(_("won reason"), max_length=200, blank=True, default="")
    lost_reason = models.CharField(
        _("lost reason"), max_length=30, choices=LostReason.choices, blank=True, default=""
    )
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
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0), name="deal_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class ActivityOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Left voicemail")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    SENT = "sent", _("Sent")
    REPLIED = "replied", _("Replied")
    MEETING_BOOKED = "meeting_booked", _("Meeting booked")
    HELD = "held", _("Held")
    NONE = "", _("—")


class Activity(models.Model):
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ActivityOutcome.choices, blank=True, default=""
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False) | Q(deal__isnull=False),
                name="activity_on_lead_or_deal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


from accord.pipeline.models_tasks import DealStalePeriod, Task, TaskKind  # noqa: E402,F401
