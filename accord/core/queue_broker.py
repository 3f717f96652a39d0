"""django-q2's ORM broker, with claims a dead worker node gives back in seconds.

django-q2's own ORM broker takes a job by reading a few due rows and then updating each one's
``lock`` to "now + retry" if nobody changed it meanwhile. Two things follow on PostgreSQL with
several worker nodes: the nodes race for the same first rows (every loser reads again), and a
job taken by a node that is then killed (``kill -9``, power loss) waits for its lock to expire
— ``JOB_RETRY_SECONDS``, five minutes in production — before anyone runs it again.

This broker changes only how a row is taken and given back:

* on PostgreSQL one statement takes the rows: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE
  SKIP LOCKED) RETURNING``, so concurrent nodes never wait on or race for the same row (other
  databases keep django-q2's compare-and-set, which is safe on SQLite's single writer);
* in the same transaction it records a ``JobClaim`` naming the worker node (the token
  ``accord worker`` puts in ``ACCORD_WORKER_NODE`` before it forks its processes), deleted
  with the row when the job is acknowledged. ``accord.core.worker_nodes`` frees the claimed
  rows of a node whose heartbeat stopped, so they run again within seconds.

Everything else — polling, acknowledgement, retries, the row format ``enqueue`` writes — is
django-q2's. Why not a different queue: see bench/README.md, "The job queue on PostgreSQL"
(Procrastinate measured better; this closes the recovery gap without a second queue for SQLite).
"""

from __future__ import annotations

import os
from datetime import timedelta
from time import sleep
from typing import Any

from django.db import connections, transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

from accord.core.models import JobClaim

#: The environment variable that names the worker node whose processes take jobs.
NODE_ENV = "ACCORD_WORKER_NODE"


class ClaimingOrm(ORM):
    """The ORM broker; rows taken with ``SKIP LOCKED`` on PostgreSQL and claimed per node."""

    def dequeue(self) -> list[tuple[Any, Any]] | None:
        self.get_connection()  # django-q2 closes stale connections here (autocommit only)
        now = timezone.now()
        lock_until = now + timedelta(seconds=Conf.RETRY)
        with transaction.atomic(using=Conf.ORM):
            if connections[Conf.ORM].vendor == "postgresql":
                taken = self._rows_take_skip_locked(now, lock_until)
            else:
                taken = self._rows_take_compare_and_set(now, lock_until)
            node = os.environ.get(NODE_ENV)
            if taken and node:
                ids = [pk for pk, _ in taken]
                JobClaim.objects.using(Conf.ORM).filter(task_row__in=ids).delete()
                JobClaim.objects.using(Conf.ORM).bulk_create(
                    [JobClaim(task_row=pk, node=node, claimed_at=now) for pk in ids]
                )
        if taken:
            return taken
        sleep(Conf.POLL)  # an empty queue: spare the CPU, as django-q2 does
        return None

    def _rows_take_skip_locked(self, now: Any, lock_until: Any) -> list[tuple[Any, Any]]:
        connection = connections[Conf.ORM]
        table = connection.ops.quote_name(OrmQ._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET lock = %s WHERE id IN (
                        SELECT id FROM {table} WHERE key = %s AND lock < %s
                        ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                    RETURNING id, payload""",
                [lock_until, self.list_key, now, Conf.BULK],
            )
            return [(pk, payload) for pk, payload in cursor.fetchall()]

    def _rows_take_compare_and_set(self, now: Any, lock_until: Any) -> list[tuple[Any, Any]]:
        queue = self.get_connection()
        due = list(queue.filter(key=self.list_key, lock__lt=now).order_by("id")[: Conf.BULK])
        return [
            (row.pk, row.payload)
            for row in due
            if queue.filter(id=row.id, lock=row.lock).update(lock=lock_until)
        ]

    def delete(self, task_id: Any) -> None:
        with transaction.atomic(using=Conf.ORM):
            super().delete(task_id)
            JobClaim.objects.using(Conf.ORM).filter(task_row=task_id).delete()
