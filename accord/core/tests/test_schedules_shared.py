"""Several worker nodes: each runs django-q2's scheduler, and a due periodic job must still
become one task, not one per node (bench/multinode.py checks the same across processes).

The scheduler reads due schedules ``FOR UPDATE`` in a transaction and moves ``next_run`` on
before committing; a second node's scheduler waits for that row lock, then finds the row no
longer due (PostgreSQL re-checks the condition on the new row version; SQLite's IMMEDIATE
transactions run the two one after the other). Threads with their own connections stand in
for the nodes.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

pytestmark = pytest.mark.django_db(transaction=True)

NODES = 4


def test_a_due_schedule_becomes_one_task_when_every_node_runs_the_scheduler_at_once():
    Schedule.objects.all().delete()
    OrmQ.objects.all().delete()
    for name in ("sweep.a", "sweep.b"):
        Schedule.objects.create(
            name=name,
            func="accord.core.jobs.receipts_prune",
            schedule_type=Schedule.MINUTES,
            minutes=1,
            repeats=-1,
            next_run=timezone.now() - timedelta(seconds=5),
        )
    start = threading.Barrier(NODES)
    errors: list[BaseException] = []

    def node() -> None:
        try:
            start.wait()
            scheduler(broker=get_broker())
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=node) for _ in range(NODES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert OrmQ.objects.count() == 2  # one task per schedule, not one per node
    assert all(s.next_run > timezone.now() for s in Schedule.objects.all())
