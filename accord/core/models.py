"""Abstract bases shared by the domain models."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    """Rows that record when they were created and last changed.

    ``created_at`` has a default rather than ``auto_now_add`` so that imports and the demo
    simulator can keep a record's original time.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
