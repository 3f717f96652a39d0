"""Abstract bases shared by the domain models."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """Rows that record when they were created and last changed.

    ``created_at`` has a default rather than ``auto_now_add`` so that imports and the demo
    simulator can keep a record's original time.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class JobReceipt(models.Model):
    """Proof that one idempotent job has done its work (see ``accord.core.jobs.idempotent``).

    The queue delivers a job at least once; the receipt, written in the same transaction as
    the job's own writes and unique by key, turns that into exactly once for database work.
    """

    key = models.CharField(max_length=200, unique=True)
    func = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("job receipt")
        verbose_name_plural = _("job receipts")

    def __str__(self) -> str:
        return self.key


class Heartbeating(models.Model):
    """A running process that proves it is alive by refreshing ``heartbeat_at``; a stale
    heartbeat means it died (``accord.core.claims``, ``accord.core.worker_nodes``)."""

    token = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True


class Claimant(Heartbeating):
    """A running drain of an outbox, alive while its heartbeat is fresh (``accord.core.claims``).

    Rows an outbox drain claims name its ``token``. The drain's process refreshes
    ``heartbeat_at`` every few seconds from a thread and deletes the row when it finishes, so
    a row whose heartbeat has gone stale belongs to a process that died (``kill -9``, power
    loss): what it claimed is free again at once, not after a lease of minutes, and the
    worker queues ``job`` (the outbox's wake-up) to run it.
    """

    job = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("outbox claimant")
        verbose_name_plural = _("outbox claimants")

    def __str__(self) -> str:
        return f"{self.job} on {self.host} (pid {self.pid})"


class WorkerNode(Heartbeating):
    """A running ``accord worker`` (one per host or container), alive while its heartbeat is
    fresh (``accord.core.worker_nodes``).

    The queue rows its processes take are recorded as ``JobClaim``s; when its heartbeat goes
    stale (``kill -9`` of the node, power loss), any other worker frees those rows at once,
    instead of waiting for the queue's lock of ``JOB_RETRY_SECONDS`` (minutes) to expire.
    """

    class Meta:
        verbose_name = _("worker node")
        verbose_name_plural = _("worker nodes")

    def __str__(self) -> str:
        return f"worker on {self.host} (pid {self.pid})"


class JobClaim(models.Model):
    """A queue row (``django_q.OrmQ``) taken by a worker node and not yet acknowledged.

    Written in the transaction that locks the row (``accord.core.queue_broker``), deleted
    with the row. A plain id, not a foreign key: the queue table is django-q2's.
    """

    task_row = models.BigIntegerField(unique=True)
    node = models.CharField(max_length=64, db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("job claim")
        verbose_name_plural = _("job claims")

    def __str__(self) -> str:
        return f"queue row {self.task_row} held by {self.node}"
