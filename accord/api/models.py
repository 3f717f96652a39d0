"""What the API keeps between requests: the first answer to each ``Idempotency-Key``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first response to one ``Idempotency-Key`` of one client (Stripe's semantics).

    ``scope`` is the client: ``key:<api key id>`` or ``user:<user id>``, so two clients never
    see each other's keys. ``fingerprint`` is a hash of method, path and body; a retry with
    the same key must send the same request.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        DONE = "done", "done"

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        # Kept from when the API plumbing lived in ``integrations``: moving the model did not
        # move its rows (migrations api.0001 / integrations.0004 change only Django's state).
        db_table = "integrations_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_one_per_client_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.status})"
