"""What Accord keeps to talk with other systems reliably."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """A URL that receives signed event notifications (Standard Webhooks).

    The secret is kept in plain text because every delivery must be signed with it; it is
    shown to the admin once, when created or rotated. ``events`` lists the subscribed event
    names (``accord.integrations.webhooks.events``). An endpoint that answers 410 Gone is
    disabled, and its ``disabled_reason`` says so.
    """

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(
        _("disabled because"), max_length=200, blank=True, default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, and the state of getting it there.

    ``webhook_id`` is the Standard Webhooks message id: the same on every attempt and on a
    manual redelivery, so receivers can dedupe. ``body`` is the exact JSON that is signed and
    sent, stored once so every attempt sends the same bytes. ``attempts`` counts sends and is
    the token a worker must match to claim the next one (see ``webhooks.delivery``).
    ``round_started_at``/``round_attempts`` drive the backoff of the current retry round
    (a manual redelivery starts a new round).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed, will retry")
        ABANDONED = "abandoned", _("abandoned")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=100)
    event_key = models.CharField(max_length=200)
    webhook_id = models.CharField(_("webhook id"), max_length=64, unique=True)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    round_started_at = models.DateTimeField(default=timezone.now)
    round_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    response_snippet = models.TextField(_("response"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # One delivery per event occurrence per endpoint: emitting the same event twice
            # (a retried job, a double-clicked form) never notifies an endpoint twice.
            models.UniqueConstraint(
                fields=["endpoint", "event", "event_key"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class ImportEntity(models.TextChoices):
    """What a file imports (the import schemas' names)."""

    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")
    DEALS = "deals", _("Deals")
    TOUCHPOINTS = "touchpoints", _("Touchpoints")
    SPEND = "spend", _("Spend")
    ACTIVITIES = "activities", _("Activities and tasks")


class ImportRecord(models.Model):
    """One import that was run for real (not a preview): who, what file, what it did.

    The history people read on the import page ("did last week's export go in?"). Written
    after the run, in its own transaction, so a failed import still leaves its line.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Import page")
        CLI = "cli", _("Command line")

    entity = models.CharField(_("what"), max_length=20, choices=ImportEntity.choices)
    file_name = models.CharField(_("file"), max_length=255)
    source = models.CharField(_("from"), max_length=8, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    finished_at = models.DateTimeField(_("finished"), default=timezone.now, db_index=True)
    imported = models.BooleanField(_("imported"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    #: The first problem when nothing was imported (the file's own report has every one).
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.entity} from {self.file_name}"
