"""Wake-up jobs for outbox tables: one job per time window per process, not one per row.

An outbox row is written in the caller's transaction, so it exists exactly when the caller's
work committed; something must then come and process it. Queuing one job per row costs a
signed, pickled queue row per row (~0.35 ms of CPU) and, in the worker, a take, run and
delete each needing SQLite's one write lock. ``WakeUps`` queues instead one job per
``bucket_seconds`` window per process: the first outbox row of a window queues a job keyed
by the window (held back until the window has ended, plus ``grace_seconds`` for
transactions still committing), later rows of that window queue nothing. The job processes
everything pending. So:

* the wake-up is queued in the caller's transaction: rolled back with it, it does not
  count, and the next row queues one again;
* a row whose transaction commits after its window's job ran (a transaction longer than the
  grace) waits for the next window's job or for the owner's periodic sweep, which every
  outbox needs anyway (a processor that died, a row that failed);
* several processes each queue their own wake-up for a window: the jobs share one key, so
  the ``idempotent`` job runs once per window;
* a processor killed mid-batch is noticed by its stopped heartbeat (``claims.py``), and
  ``accord worker`` queues the outbox's wake-up again within seconds.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from accord.core.jobs import enqueue


class WakeUps:
    """Queue the job ``func`` at most once per window (and process) for one outbox.

    ``key_prefix`` names the outbox in the job keys (``f"{key_prefix}:{window}"``).
    ``bucket_now`` (default: the current window) is looked up at each call, so that tests
    can fix the window.
    """

    def __init__(
        self,
        func: Callable[..., Any] | str,
        *,
        key_prefix: str,
        bucket_seconds: int = 2,
        grace_seconds: int = 2,
        bucket_now: Callable[[], int] | None = None,
    ) -> None:
        self.func = func
        self.key_prefix = key_prefix
        self.bucket_seconds = bucket_seconds
        self.grace_seconds = grace_seconds
        self._bucket_now = bucket_now
        #: Windows whose wake-up this process has committed (recent ones only). Web server
        #: threads share it; the lock guards the pruning (a set changed while iterated raises).
        self._committed: set[int] = set()
        self._lock = threading.Lock()

    def bucket_now(self) -> int:
        if self._bucket_now is not None:
            return self._bucket_now()
        return int(time.time() // self.bucket_seconds)

    def run_at(self, bucket: int) -> datetime:
        """When the wake-up of window ``bucket`` runs: the window's end plus the grace."""
        return datetime.fromtimestamp(
            (bucket + 1) * self.bucket_seconds + self.grace_seconds, tz=UTC
        )

    def ensure(self) -> None:
        """Make sure a job will process this transaction's outbox rows (call inside it)."""
        bucket = self.bucket_now()
        if bucket in self._committed or self._queued_here(bucket):
            return
        enqueue(self.func, key=f"{self.key_prefix}:{bucket}", not_before=self.run_at(bucket))
        transaction.on_commit(functools.partial(_wake_up_committed, self, bucket))

    def _queued_here(self, bucket: int) -> bool:
        """Whether the current transaction already queued this window's wake-up.

        Its ``on_commit`` callback is the record: Django drops the callbacks of a rolled-back
        savepoint, so a wake-up rolled back with its outbox row is not counted.
        """
        return any(
            isinstance(func, functools.partial)
            and func.func is _wake_up_committed
            and func.args == (self, bucket)
            for _, func, *_ in connection.run_on_commit
        )


def _wake_up_committed(wake_ups: WakeUps, bucket: int) -> None:
    with wake_ups._lock:
        committed = wake_ups._committed
        committed.add(bucket)
        for old in [b for b in committed if b < bucket - 5]:
            committed.discard(old)
