"""The calls, e-mails, meetings and notes reps log while working leads and deals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.pipeline.models.deals import Deal


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
