"""Running worker nodes, and giving back within seconds the jobs of one that died.

``accord worker`` registers a ``WorkerNode`` when it starts and refreshes its heartbeat every
``HEARTBEAT_SECONDS`` from its main loop; the jobs its processes take are claimed in its name
(``accord.core.queue_broker``). Every live node, at every beat, looks for nodes whose heartbeat
is older than ``DEAD_AFTER`` and frees their claimed queue rows (``lock`` = now), so another
node runs them at once instead of after the queue's lock of ``JOB_RETRY_SECONDS``.

A job run again this way may still be running on a node that was only stalled, not dead (a
database stall longer than three beats): every job is ``idempotent``, so that costs a repeat
attempt, never a repeat effect. A heartbeat rather than a pid check: it works across hosts
and containers, on SQLite and PostgreSQL alike (as ``accord.core.claims`` for outbox drains).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from accord.core.claims import DEAD_AFTER, HEARTBEAT_SECONDS
from accord.core.models import JobClaim, WorkerNode

logger = logging.getLogger(__name__)

__all__ = ["HEARTBEAT_SECONDS", "dead_nodes_release", "node_beat", "node_end", "node_register"]


def node_register() -> str:
    """Register this process as a live worker node; return its token."""
    token = uuid.uuid4().hex
    WorkerNode.objects.create(
        token=token,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        heartbeat_at=timezone.now(),
    )
    return token


def node_beat(token: str) -> None:
    """Refresh the node's heartbeat (re-registering it if another node took it for dead)."""
    now = timezone.now()
    if not WorkerNode.objects.filter(token=token).update(heartbeat_at=now):
        WorkerNode.objects.create(
            token=token, host=socket.gethostname()[:255], pid=os.getpid(), heartbeat_at=now
        )


def node_end(token: str) -> None:
    """Forget a node that stopped cleanly (its running jobs have finished)."""
    WorkerNode.objects.filter(token=token).delete()


def dead_nodes_release(*, now: datetime | None = None) -> int:
    """Free the queue rows claimed by nodes whose heartbeat stopped; return how many rows.

    Call it outside a transaction: each dead node is handled in one of its own, and only by
    the first live node to find it.
    """
    from django_q.models import OrmQ

    now = now or timezone.now()
    cutoff = now - DEAD_AFTER
    freed = 0
    for pk, token in WorkerNode.objects.filter(heartbeat_at__lt=cutoff).values_list("pk", "token"):
        with transaction.atomic():
            deleted, _ = WorkerNode.objects.filter(pk=pk, heartbeat_at__lt=cutoff).delete()
            if not deleted:  # another node was first
                continue
            claims = JobClaim.objects.filter(node=token)
            rows = OrmQ.objects.filter(pk__in=Subquery(claims.values("task_row")))
            count = rows.update(lock=now)
            claims.delete()
        if count:
            logger.warning("Worker node %s died; %d of its jobs queued again.", token, count)
        freed += count
    return freed
