"""The claiming broker and the release of a dead worker node's jobs, on the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from accord.core import jobs
from accord.core.claims import DEAD_AFTER
from accord.core.models import JobClaim, WorkerNode
from accord.core.queue_broker import NODE_ENV, ClaimingOrm
from accord.core.tests import job_fixtures
from accord.core.worker_nodes import dead_nodes_release, node_beat, node_end, node_register

pytestmark = pytest.mark.django_db(transaction=True)


def _queued(key: str) -> OrmQ:
    jobs.enqueue(job_fixtures.record_done, key=key, marker_dir="/nonexistent", label=key)
    return OrmQ.objects.order_by("-pk")[0]


def test_a_taken_job_is_claimed_by_its_node_and_the_claim_goes_with_the_acknowledgement(
    monkeypatch,
):
    node = node_register()
    monkeypatch.setenv(NODE_ENV, node)
    row = _queued("broker:1")
    broker = ClaimingOrm()

    taken = broker.dequeue()

    assert taken is not None and [pk for pk, _ in taken] == [row.pk]
    assert taken[0][1] == row.payload
    assert OrmQ.objects.get(pk=row.pk).lock > timezone.now() + timedelta(seconds=1)
    assert list(JobClaim.objects.values_list("task_row", "node")) == [(row.pk, node)]
    assert broker.dequeue() is None  # locked: nobody else takes it

    broker.acknowledge(row.pk)
    assert not OrmQ.objects.exists()
    assert not JobClaim.objects.exists()


def test_a_job_not_yet_due_is_not_taken(monkeypatch):
    monkeypatch.setenv(NODE_ENV, node_register())
    jobs.enqueue(
        job_fixtures.record_done,
        key="later:1",
        not_before=timezone.now() + timedelta(hours=1),
        marker_dir="/nonexistent",
        label="later",
    )
    assert ClaimingOrm().dequeue() is None
    assert not JobClaim.objects.exists()


def test_only_a_dead_nodes_jobs_are_given_back(monkeypatch):
    dead, live = node_register(), node_register()
    broker = ClaimingOrm()
    monkeypatch.setenv(NODE_ENV, dead)
    dead_row = _queued("dead:1")
    broker.dequeue()
    monkeypatch.setenv(NODE_ENV, live)
    live_row = _queued("live:1")
    broker.dequeue()
    stale = timezone.now() - DEAD_AFTER - timedelta(seconds=1)
    WorkerNode.objects.filter(token=dead).update(heartbeat_at=stale)
    now = timezone.now()

    assert dead_nodes_release(now=now) == 1
    assert dead_nodes_release(now=now) == 0  # found once

    assert OrmQ.objects.get(pk=dead_row.pk).lock == now
    assert OrmQ.objects.get(pk=live_row.pk).lock > now + timedelta(seconds=1)
    assert list(JobClaim.objects.values_list("node", flat=True)) == [live]
    assert list(WorkerNode.objects.values_list("token", flat=True)) == [live]
    # The freed job is taken again, now in the live node's name.
    taken = broker.dequeue()
    assert taken is not None and [pk for pk, _ in taken] == [dead_row.pk]
    assert JobClaim.objects.get(task_row=dead_row.pk).node == live


def test_a_node_taken_for_dead_registers_again_at_its_next_beat():
    node = node_register()
    WorkerNode.objects.filter(token=node).delete()
    node_beat(node)
    assert WorkerNode.objects.filter(token=node).exists()
    node_end(node)
    assert not WorkerNode.objects.exists()
