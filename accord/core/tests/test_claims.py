"""Outbox claimants: a heartbeat while a drain runs, dead ones found and their outbox woken.

Committed data (``transactional_db``): the heartbeat thread has a connection of its own and
must see the claimant row. Waiting is polling with a deadline, never a timing assertion.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from accord.core.claims import DEAD_AFTER, claimant_running, claimants_recover
from accord.core.models import Claimant

JOB = "accord.core.tests.job_fixtures.record_done"
DEADLINE_SECONDS = 30


def _poll(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


class Boom(Exception):
    pass


def test_a_running_drain_beats_renews_and_leaves_nothing_behind(transactional_db):
    renewed = []
    with claimant_running(job=JOB, renew=renewed.append) as token:
        claimant = Claimant.objects.get(token=token)
        first_beat = claimant.heartbeat_at
        _poll(
            lambda: Claimant.objects.get(token=token).heartbeat_at > first_beat and renewed,
            "a heartbeat",
        )
        assert claimants_recover() == 0  # alive: nothing to recover
    assert not Claimant.objects.exists()
    assert not OrmQ.objects.exists()


def test_a_drain_interrupted_by_an_exception_is_recovered_at_once(transactional_db):
    with pytest.raises(Boom), claimant_running(job=JOB) as token:
        raise Boom
    (left,) = Claimant.objects.all()
    assert left.token == token
    assert left.heartbeat_at < timezone.now() - DEAD_AFTER  # marked dead, not deleted
    assert claimants_recover() == 1
    (job,) = OrmQ.objects.all()
    assert (job.task["func"], job.task["name"]) == (JOB, f"claims:recover:{token}")
    assert not Claimant.objects.exists()


def test_a_claimant_whose_heartbeat_stopped_is_recovered_once(transactional_db):
    now = timezone.now()
    stale = now - DEAD_AFTER - timedelta(seconds=1)
    Claimant.objects.create(token="dead", job=JOB, host="h", pid=1, heartbeat_at=stale)
    Claimant.objects.create(token="alive", job=JOB, host="h", pid=2, heartbeat_at=now)
    assert claimants_recover(now=now) == 1
    assert claimants_recover(now=now) == 0  # its recovery is queued once
    assert list(Claimant.objects.values_list("token", flat=True)) == ["alive"]
    assert [q.task["name"] for q in OrmQ.objects.all()] == ["claims:recover:dead"]
