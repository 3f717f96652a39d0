"""Who is draining an outbox, and noticing within seconds when that process died.

An outbox drain (``accord.core.outbox``) claims a batch of rows, then works through them
with no transaction open. A lease alone ("claimed until now + 5 minutes") makes a drain
killed mid-batch (``kill -9``, OOM, power loss) hold its rows for the whole lease: about six
minutes before anyone runs them. So a drain also registers as a ``Claimant`` for as long as
it runs:

* ``claimant_running`` inserts the claimant row and a daemon thread refreshes its
  ``heartbeat_at`` every ``HEARTBEAT_SECONDS``; the row is deleted when the drain ends;
* the drain writes its token on the rows it claims; ``claim_free`` is the condition "no live
  claimant holds this row": unclaimed, or its claimant's heartbeat is older than
  ``DEAD_AFTER`` (three beats), or its claimant row is gone;
* a drain interrupted by an exception (its job's time limit) leaves its claimant behind
  marked dead, for the same reason;
* ``claimants_recover`` (``accord worker`` runs it every beat, the outboxes' minute sweeps run
  it too) deletes the rows of dead claimants and queues each one's ``job``, the outbox's
  wake-up, so what the dead drain held (and whatever it had not reached) runs again in
  seconds, without a new submission to wake it.

A heartbeat rather than a check of the claimant's pid: it works across hosts and containers
(a pid means nothing on another machine or in another pid namespace) and on SQLite and
PostgreSQL alike. A live drain stuck longer than ``DEAD_AFTER`` behind SQLite's write lock
may see rows taken over; that costs a repeat attempt, never a repeat effect, because a
follow-up's row is deleted in the transaction that runs it (the delete names the token).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accord.core.jobs import enqueue
from accord.core.models import Claimant

logger = logging.getLogger(__name__)

#: How often a running drain refreshes its heartbeat (``ACCORD_CLAIM_HEARTBEAT_SECONDS``).
HEARTBEAT_SECONDS: float = settings.ACCORD_CLAIM_HEARTBEAT_SECONDS
#: A claimant whose heartbeat is older than this is dead (three missed beats).
DEAD_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)

_HOST = socket.gethostname()[:255]
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@contextmanager
def claimant_running(*, job: str, renew: Callable[[datetime], None] | None = None) -> Iterator[str]:
    """Register a drain as a live claimant for the block; yield its token.

    ``job`` is the dotted path of the idempotent wake-up job that drains the outbox: it is
    queued should this process die before the block ends. ``renew(now)``, if given, runs at
    every beat (an outbox whose rows cannot name a claimant refreshes their leases there).

    Call it outside a transaction: the claimant must be visible to other processes. Inside
    one (a test, a caller's transaction) nobody else can see the claimed rows anyway, and no
    heartbeat thread is started.
    """
    token = uuid.uuid4().hex
    Claimant.objects.create(
        token=token, job=job, host=_HOST, pid=os.getpid(), heartbeat_at=timezone.now()
    )
    beating = not connection.in_atomic_block
    stop = threading.Event()
    thread = threading.Thread(
        target=_heartbeat, args=(token, stop, renew), name=f"claimant-{token[:8]}", daemon=True
    )
    if beating:
        thread.start()
    try:
        yield token
    except BaseException:
        # Interrupted (the job's time limit, a database error): what it claimed and did not
        # run must not wait for a lease or a sweep. Leave the claimant behind as dead, so
        # the worker queues the wake-up now; if even that fails, its heartbeat stops anyway.
        _heartbeat_stop(stop, thread, beating)
        try:
            Claimant.objects.filter(token=token).update(heartbeat_at=_LONG_AGO)
        except Exception:
            logger.warning("Could not mark claimant %s as ended.", token, exc_info=True)
        raise
    else:
        _heartbeat_stop(stop, thread, beating)
        Claimant.objects.filter(token=token).delete()


def _heartbeat_stop(stop: threading.Event, thread: threading.Thread, beating: bool) -> None:
    if beating:
        stop.set()
        thread.join()


def _heartbeat(token: str, stop: threading.Event, renew: Callable[[datetime], None] | None) -> None:
    """The beat, on a connection of its own (Django's connections are per thread)."""
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            now = timezone.now()
            try:
                Claimant.objects.filter(token=token).update(heartbeat_at=now)
                if renew is not None:
                    renew(now)
            except DatabaseError:  # a missed beat; the next may get through
                logger.warning("Claimant %s missed a heartbeat.", token, exc_info=True)
    finally:
        connection.close()


def claim_free(field: str = "claimed_by", *, now: datetime) -> Q:
    """Rows no live claimant holds: ``field`` is empty or names a dead or gone claimant."""
    live = Claimant.objects.filter(token=OuterRef(field), heartbeat_at__gte=now - DEAD_AFTER)
    return Q(**{f"{field}__isnull": True}) | Q(~Exists(live))


def claimants_recover(*, now: datetime | None = None) -> int:
    """Forget claimants whose heartbeat stopped and queue their outboxes' wake-ups; return
    how many were found dead. Call it outside a transaction (each one is its own)."""
    cutoff = (now or timezone.now()) - DEAD_AFTER
    dead = list(Claimant.objects.filter(heartbeat_at__lt=cutoff).values_list("pk", "token", "job"))
    recovered = 0
    for pk, token, job in dead:
        with transaction.atomic():
            deleted, _ = Claimant.objects.filter(pk=pk, heartbeat_at__lt=cutoff).delete()
            if not deleted:  # another recoverer was first
                continue
            logger.warning("An outbox drain died (claimant %s); queuing %s.", token, job)
            enqueue(job, key=f"claims:recover:{token}")
            recovered += 1
    return recovered
