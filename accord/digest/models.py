"""The weekly joint digest: the agenda of the heads' meeting, built once per ISO week.

``Digest.content`` is a snapshot (plain JSON, ``accord.digest.content``): a past week's page
shows the figures as they were that week, not as they are now. Agenda items and decisions are
the meeting's minutes; a decision is a ``pipeline.Task`` of its owner (due date, reminders,
done on the task list or here), and an open one is carried over to every later digest until
its task is done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Digest(models.Model):
    #: The Monday of the ISO week the digest covers; unique, so a week has one digest.
    week_start = models.DateField(_("week"), unique=True)
    content = models.JSONField(_("content"), default=dict)
    built_at = models.DateTimeField(_("built at"), default=timezone.now)
    #: Who asked for it (``accord digest build`` as someone); empty when the schedule built it.
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")

    def __str__(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


class ItemKind(models.TextChoices):
    AGENDA = "agenda", _("Agenda item")
    DECISION = "decision", _("Decision")


class DigestItem(models.Model):
    """An agenda item or a decision a head added to a digest."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    text = models.CharField(_("text"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: A decision's owner, due date and task (its open/closed state is the task's).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_decisions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    task = models.OneToOneField(
        "pipeline.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_decision",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")

    def __str__(self) -> str:
        return self.text

    @property
    def is_open(self) -> bool:
        return self.kind == ItemKind.DECISION and (self.task is None or self.task.done_at is None)
