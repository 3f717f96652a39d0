"""Tasks (the next steps reps schedule) and the stale periods of deals.

A task belongs to a person (its owner) and to a lead, a deal or neither (a personal task).
Its reminder and its overdue notice are each sent once: the sweeps stamp ``*_queued_at``
when they queue the keyed job, the job stamps ``reminded_at`` / ``overdue_notified_at`` in the
transaction that notifies (``accord.pipeline.tasks.jobs``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel


class TaskKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    TODO = "todo", _("To-do")


class Task(TimestampedModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("owner"),
    )
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    deal = models.ForeignKey(
        "pipeline.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks_created",
    )
    external_id = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # The worker's marks (see the module docstring).
    remind_queued_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_queued_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=True) | Q(deal__isnull=True),
                name="task_on_lead_or_deal_not_both",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"], name="task_owner_open_due"),
            models.Index(
                fields=["remind_at"],
                condition=Q(done_at__isnull=True, reminded_at__isnull=True),
                name="task_reminder_pending",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(done_at__isnull=True, overdue_notified_at__isnull=True),
                name="task_overdue_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DealStalePeriod(models.Model):
    """One stretch of time a deal was stale (no activity in its stage's days, or no next
    step scheduled). Open while ``ended_at`` is null; at most one open period per deal; its
    owner is told once per period (``notified_at``)."""

    deal = models.ForeignKey(
        "pipeline.Deal", on_delete=models.CASCADE, related_name="stale_periods"
    )
    started_at = models.DateTimeField(db_index=True)
    #: Why: "no_activity", "no_next_step" or both, comma-separated.
    reasons = models.CharField(max_length=60)
    notified_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stale deal period")
        verbose_name_plural = _("stale deal periods")
        constraints = [
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(ended_at__isnull=True),
                name="deal_one_open_stale_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} stale since {self.started_at:%Y-%m-%d}"
