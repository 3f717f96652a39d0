"""The readings an operator and a load balancer watch, read from the tables directly.

Every function is one or two indexed queries on the operational database, so that any web
node (which may not hold the analytics copy on its disk) answers the same, and a probe every
few seconds from each load balancer costs nothing noticeable.

- **Job lag**: how long the oldest job that is due has waited to be taken (django-q2's ORM
  broker: a row whose ``lock`` has passed is due; a taken or held-back row has its lock in
  the future). Minutes of lag mean the workers are dead or overwhelmed.
- **Sync age**: how long ago the scheduled analytics sync last finished (the django-q2 task
  of the ``analytics.sync`` schedule), whatever store it feeds. ``None`` before any.
- **Outbox depth**: rows written by committed work and not yet processed (capture follow-ups,
  notification e-mails).
- **SLA clocks due**: running clocks whose deadline has passed (the breach sweep's work).
- **Worker nodes alive**: ``accord worker`` nodes whose heartbeat is fresh
  (``accord.core.worker_nodes``); 0 means nobody runs jobs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from accord.core.claims import DEAD_AFTER
from accord.core.models import WorkerNode
from accord.handoff.models import Notification, SlaClock
from accord.tracking.models import SubmissionFollowup

logger = logging.getLogger(__name__)

#: The schedule whose last successful run dates the analytics copy (accord.analytics.jobs).
SYNC_SCHEDULE_NAME = "analytics.sync"


def database_answers() -> bool:
    """True when the database runs a trivial query; the error is logged, never returned."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Readiness: the database does not answer.", exc_info=True)
        return False
    return True


def job_lag_seconds(*, now: datetime | None = None) -> float:
    """Seconds the oldest due job has waited to be taken (0 when none waits)."""
    now = now or timezone.now()
    oldest = OrmQ.objects.filter(lock__lte=now).aggregate(oldest=Min("lock"))["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def jobs_due(*, now: datetime | None = None) -> int:
    return OrmQ.objects.filter(lock__lte=now or timezone.now()).count()


def worker_nodes_alive(*, now: datetime | None = None) -> int:
    """``accord worker`` nodes whose heartbeat is younger than three beats."""
    since = (now or timezone.now()) - DEAD_AFTER
    return WorkerNode.objects.filter(heartbeat_at__gte=since).count()


def last_sync_at() -> datetime | None:
    """When the scheduled analytics sync last finished successfully (None: never)."""
    schedule = Schedule.objects.filter(name=SYNC_SCHEDULE_NAME).only("func", "task").first()
    if schedule is None:
        return None
    if schedule.task:  # the last run's id: a primary-key look-up when it has finished
        last = Task.objects.filter(id=schedule.task, success=True).values_list("stopped")
        if last:
            return last[0][0]
    found = (
        Task.objects.filter(func=schedule.func, success=True)
        .order_by("-stopped")
        .values_list("stopped", flat=True)
        .first()
    )
    return found


def sync_age_seconds(*, now: datetime | None = None) -> float | None:
    last = last_sync_at()
    if last is None:
        return None
    return max(((now or timezone.now()) - last).total_seconds(), 0.0)


def outbox_depths() -> dict[str, int]:
    """Rows of each outbox waiting to be processed (given-up follow-ups not counted)."""
    return {
        "capture_followups": SubmissionFollowup.objects.filter(failed_at__isnull=True).count(),
        "notification_emails": Notification.objects.filter(email_pending=True).count(),
    }


def sla_clocks_due(*, now: datetime | None = None) -> int:
    """Running SLA clocks whose deadline has passed."""
    now = now or timezone.now()
    return SlaClock.objects.filter(stopped_at__isnull=True, due_at__lte=now).count()


@dataclass(frozen=True)
class Check:
    ok: bool
    value: float | None = None
    limit: float | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"ok": self.ok}
        if self.limit is not None:
            body["seconds"] = None if self.value is None else round(self.value, 1)
            body["max_seconds"] = self.limit or None
        return body


def _within(value: float | None, limit: float) -> bool:
    """A limit of 0 reports without failing; an unknown value (never synced) passes."""
    return limit <= 0 or value is None or value <= limit


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    """(ready, checks): the database answers, job lag and sync age within their limits.

    A sync that never ran passes (a fresh installation before the worker's first minute);
    the ``accord_analytics_sync_age_seconds`` metric is absent then, for an alert to catch.
    """
    if not database_answers():
        return False, {"database": {"ok": False}}
    max_lag = float(getattr(settings, "ACCORD_READY_MAX_JOB_LAG_SECONDS", 300))
    max_age = float(getattr(settings, "ACCORD_READY_MAX_SYNC_AGE_SECONDS", 900))
    try:
        lag = job_lag_seconds()
        age = sync_age_seconds()
    except DatabaseError:
        logger.warning("Readiness: the job tables cannot be read.", exc_info=True)
        return False, {"database": {"ok": False}}
    checks = {
        "database": Check(True),
        "job_lag": Check(_within(lag, max_lag), lag, max_lag),
        "sync_age": Check(_within(age, max_age), age, max_age),
    }
    return all(c.ok for c in checks.values()), {k: c.as_dict() for k, c in checks.items()}
