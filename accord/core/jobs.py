"""Durable background jobs: the one interface the rest of Accord uses to defer work.

The queue is django-q2 on its ORM broker, so queued jobs are rows of ``django_q.OrmQ`` in our
own database (SQLite or PostgreSQL alike). Three properties follow, and the code relies on them:

* **Outbox.** ``enqueue`` writes the queue row in the caller's transaction: a service that
  changes state, writes its audit row and enqueues the jobs it triggers inside one
  ``transaction.atomic()`` either commits all of it or none of it. A rolled-back job never runs.
* **At least once.** A worker locks a job for ``JOB_RETRY_SECONDS`` when it takes it and deletes
  the row only after the job has finished. If the worker dies (``kill -9``, power loss), the
  lock expires and another worker runs the job again. A job that raises stays queued and runs
  again after the retry period, up to ``Q_CLUSTER["max_attempts"]`` attempts; then it is kept
  as a failed task (admin: Jobs > Failed tasks) and logged at ERROR, never dropped silently.
* **Exactly once in effect.** Every enqueued job is wrapped in ``idempotent``: its writes and a
  unique ``JobReceipt(key)`` commit together, and a second delivery of the same key finds the
  receipt and does nothing.

Rules for job functions:

* Take plain keyword arguments (ids, strings, numbers), never model instances: the job reads
  the current state when it runs.
* Keep the body short. It runs inside one transaction, and on SQLite that transaction holds the
  database's single write lock.
* External side effects (HTTP calls, e-mail) cannot be rolled back with the receipt, so a crash
  between the call and the commit repeats the call. Give the receiver something to dedupe on
  (a webhook carries a stable ``webhook-id`` per delivery, per the Standard Webhooks spec) and
  make the call the last thing the body does.
* Periodic jobs (``schedule_ensure``) are sweeps over current state ("escalate every lead whose
  SLA deadline has passed"), so running one twice is harmless by construction; they enqueue
  keyed jobs for the per-record work.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accord.core.models import JobReceipt
from accord.core.prepared import row_insert

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

KEY_MAX_LENGTH: int = JobReceipt._meta.get_field("key").max_length or 200
# Keyword arguments that django-q2's ``async_task`` takes for itself; a job argument with one
# of these names would be swallowed, so ``enqueue`` refuses them.
_RESERVED_KWARGS = frozenset(
    {
        "hook", "group", "save", "sync", "cached", "ack_failure", "iter_count", "iter_cached",
        "chain", "broker", "cluster", "timeout", "task_name", "q_options", "job_key",
    }
)  # fmt: skip
_IDEMPOTENT_MARK = "accord_idempotent"
# The ORM broker subclass the settings name: its queue rows are django-q2's own.
_CLAIMING_BROKER = "accord.core.queue_broker.ClaimingOrm"


class JobQueueUnavailable(RuntimeError):
    """The queue table cannot be read (database down, or migrations not applied)."""


def idempotent(func: Callable[P, R]) -> Callable[..., R | None]:
    """Make a job function run its body at most once per key.

    The wrapped function is called as ``func(job_key=..., **kwargs)``. It writes
    ``JobReceipt(job_key)`` and runs the body in ONE transaction; if the receipt already exists
    (an earlier delivery committed), it returns None without running the body. A body that
    raises rolls the receipt back with its own writes, so the retry runs it again.

    Two deliveries running at once are serialised by the receipt's unique index (PostgreSQL:
    the second insert waits for the first transaction, then fails; SQLite: IMMEDIATE
    transactions take the write lock in turn), so the body still commits only once.
    """
    func_name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def run(*, job_key: str, **kwargs: Any) -> R | None:
        if JobReceipt.objects.filter(key=job_key).exists():
            logger.info("Job %s already done; skipping this delivery.", job_key)
            return None
        with transaction.atomic():
            try:
                with transaction.atomic():  # a savepoint, so a duplicate key leaves us usable
                    JobReceipt.objects.create(key=job_key, func=func_name[:200])
            except IntegrityError:
                logger.info("Job %s was done concurrently; skipping this delivery.", job_key)
                return None
            return func(**kwargs)  # type: ignore[call-arg]

    setattr(run, _IDEMPOTENT_MARK, True)
    return run


def _func_path(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or "<" in qualname or "." in qualname:
        raise TypeError(f"A job must be a module-level function, not {func!r}.")
    return f"{module}.{qualname}"


def enqueue(
    func: Callable[..., Any] | str, *, key: str, not_before: datetime | None = None, **kwargs: Any
) -> str:
    """Queue ``func(**kwargs)`` to run once in ``accord worker``; return the task id.

    ``func`` is a module-level function decorated with ``idempotent`` (or its dotted path).
    ``key`` names the unit of work, stably: the same key always means the same work, e.g.
    ``"lead.followup:123"``; work meant to happen again needs a new key (add a version or date).

    The queue row is written in the caller's transaction (outbox): call this inside the
    service's ``transaction.atomic()`` and the job exists only if the service's writes commit.
    Outside a transaction the row commits at once.

    ``not_before`` holds the job back until that moment (the ORM broker hands out a row once
    its ``lock`` has passed). Best effort: with another broker the job runs at once.
    """
    path = _func_path(func)
    _job_function_check(path)
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"A job key must be 1 to {KEY_MAX_LENGTH} characters long, got {key!r}.")
    reserved = sorted(_RESERVED_KWARGS.intersection(kwargs))
    if reserved:
        raise TypeError(f"Job arguments may not be named {', '.join(reserved)}.")

    # atomic() also keeps django-q2's broker from closing the connection, which it does
    # before every queue access made in autocommit mode. Inside the caller's transaction no
    # savepoint is needed: the insert either happens or the caller's transaction fails.
    with transaction.atomic(savepoint=False):
        task_id = _queue_row_insert(path, key, kwargs, not_before=not_before)
        if task_id is not None:
            return task_id
        from django_q.tasks import async_task

        # The key doubles as the task's name, so the admin's task lists say what each job was.
        return async_task(path, job_key=key, task_name=key[:100], **kwargs)


@functools.lru_cache(maxsize=256)
def _job_function_check(path: str) -> None:
    try:
        target = import_string(path)
    except ImportError as error:
        raise TypeError(f"Job function {path!r} cannot be imported: {error}") from error
    if not getattr(target, _IDEMPOTENT_MARK, False):
        raise TypeError(f"Job function {path} must be decorated with accord.core.jobs.idempotent.")


def _queue_row_insert(
    path: str, key: str, kwargs: dict[str, Any], *, not_before: datetime | None = None
) -> str | None:
    """Write the queue row ``async_task`` would write, without its per-call overhead.

    ``async_task`` builds a broker, a human-readable task name (unused: we pass our own),
    sends a signal and compiles the ORM insert on every call (~0.25 ms, twice per capture
    submission). The row here is the same: the task dict it builds for an ORM-broker,
    non-sync cluster, signed by django-q2's own ``SignedPackage`` with the same key and salt,
    in ``OrmQ`` under the cluster's queue name with ``lock`` = now (or ``not_before``: the
    broker takes only rows whose lock has passed). Returns None, to let
    ``async_task`` do it, for any configuration this does not reproduce (another broker,
    sync or cached mode, ``pre_enqueue`` receivers).
    """
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signals import pre_enqueue
    from django_q.signing import SignedPackage

    if (
        not Conf.ORM
        or Conf.BROKER_CLASS not in (None, _CLAIMING_BROKER)
        or Conf.IRON_MQ
        or isinstance(Conf.SQS, dict)
        or Conf.SYNC
        or Conf.CACHED
        or pre_enqueue.has_listeners()
    ):
        return None
    task: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "name": key[:100],
        "func": path,
        "args": (),
    }
    if Conf.ACK_FAILURES:
        task["ack_failure"] = Conf.ACK_FAILURES
    task["kwargs"] = {"job_key": key, **kwargs}
    task["started"] = timezone.now()
    lock = max(not_before, timezone.now()) if not_before is not None else timezone.now()
    row = OrmQ(key=Conf.CLUSTER_NAME, payload=SignedPackage.dumps(task), lock=lock)
    row_insert(row, using=Conf.ORM)
    return task["id"]


def schedule_ensure(
    *, name: str, func: Callable[..., Any] | str, minutes: int, kwargs: dict[str, Any] | None = None
) -> None:
    """Make sure a periodic job ``name`` runs ``func(**kwargs)`` every ``minutes`` minutes.

    Safe to call on every deploy (e.g. from a data migration): an existing schedule of that name
    is updated in place, keeping its next run time unless the interval changed. The worker
    checks schedules about every 30 seconds; a run missed during downtime happens once, not once
    per missed interval (``catch_up`` is off).
    """
    from django_q.models import Schedule

    if minutes < 1:
        raise ValueError(f"A periodic job runs at most once a minute, got minutes={minutes}.")
    path = _func_path(func)
    import_string(path)  # fail now, not in the worker, if the function does not exist
    wanted = {
        "func": path,
        "kwargs": repr(kwargs or {}),
        "args": None,
        "schedule_type": Schedule.MINUTES,
        "minutes": minutes,
        "repeats": -1,
    }
    with transaction.atomic():
        # Schedule.name has no unique constraint; extra rows from a concurrent first call
        # are removed here on the next call.
        existing = list(Schedule.objects.select_for_update().filter(name=name).order_by("pk"))
        for duplicate in existing[1:]:
            duplicate.delete()
        if not existing:
            Schedule.objects.create(name=name, next_run=timezone.now(), **wanted)
            return
        schedule = existing[0]
        if schedule.minutes != minutes:
            schedule.next_run = timezone.now() + timedelta(minutes=minutes)
        for field, value in wanted.items():
            setattr(schedule, field, value)
        schedule.save()


def receipts_prune(*, older_than: timedelta) -> int:
    """Delete receipts older than ``older_than``; return how many.

    A receipt is only needed while its job can still be delivered again, which is at most
    ``max_attempts`` retry periods after it was enqueued; keep a wide margin (weeks).
    """
    deleted, _ = JobReceipt.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def worker_summary() -> str:
    """The line ``accord worker`` prints when it starts."""
    from django_q.conf import Conf

    return (
        f"Accord worker: {Conf.WORKERS} processes, queue in {connection.vendor}, "
        f"retry after {Conf.RETRY} s (time limit {Conf.TIMEOUT} s, "
        f"up to {Conf.MAX_ATTEMPTS} attempts)."
    )


def worker_run(*, processes: int | None = None, echo: Callable[[str], None] = print) -> int:
    """Run the job cluster until SIGTERM or SIGINT; return the exit status.

    On a stop signal the cluster stops taking jobs, lets running ones finish, and exits 0.
    Send the signal to this process alone (systemd: ``KillMode=mixed``): django-q2's
    processes die at once on SIGTERM. Killing the whole group still loses nothing, as the
    interrupted jobs are run again after the retry period.
    """
    from django import db
    from django.urls import get_resolver
    from django_q.brokers import get_broker
    from django_q.cluster import Cluster
    from django_q.conf import Conf
    from django_q.models import OrmQ

    if processes:
        # django-q2 reads its settings once, at import; the forked processes inherit this.
        Conf.WORKERS = processes
        Conf.QUEUE_LIMIT = processes
    try:
        OrmQ.objects.using(Conf.ORM).exists()
    except db.DatabaseError as error:
        raise JobQueueUnavailable(
            f"The job queue cannot be read ({error}). Is the database up, and has "
            "`accord migrate` been run?"
        ) from error
    echo(worker_summary())
    # Import the URLconf (and with it the API's schemas) once, before forking: a job that
    # builds a link would otherwise pay that import inside its time limit, in every child.
    get_resolver().resolve("/")
    # The node's heartbeat names it as the holder of the jobs its processes take, so that
    # any other node gives them back within seconds should this one be killed. Imported
    # here: worker_nodes imports claims, which imports this module's enqueue (a cycle).
    from accord.core.queue_broker import NODE_ENV
    from accord.core.worker_nodes import node_end, node_register  # the same cycle

    node = node_register()
    os.environ[NODE_ENV] = node
    # The cluster forks; a connection inherited by the children must not be shared.
    db.connections.close_all()

    cluster = Cluster(get_broker())
    stop_requested = threading.Event()
    # Replace the handlers Cluster installed: they set the sentinel's stop event from inside
    # the handler, which blocks forever if the sentinel died holding that event's lock (a
    # SIGTERM sent to the whole process group kills it mid-wait).
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    try:
        cluster.start()
    except RuntimeError:
        if stop_requested.is_set():
            return 0
        raise
    sentinel = cluster.sentinel
    stopping = False
    next_watch = 0.0
    while sentinel.is_alive():
        if stop_requested.is_set() and not stopping:
            stopping = True
            echo("Accord worker: stopping; running jobs finish first.")
            threading.Thread(target=cluster.stop_event.set, daemon=True).start()
        if not stopping and time.monotonic() >= next_watch:
            next_watch = time.monotonic() + _claimants_watch(node)
        sentinel.join(timeout=0.5)
    try:
        node_end(node)
    except db.DatabaseError:
        logger.warning("Could not unregister worker node %s; it will be found dead.", node)
    return 0 if stop_requested.is_set() or sentinel.exitcode == 0 else 1


def _claimants_watch(node: str) -> float:
    """Beat this node's heartbeat; give back the jobs of dead worker nodes
    (``accord.core.worker_nodes``) and queue the wake-up of any outbox whose drain died
    (``accord.core.claims``), so both run again within seconds of a ``kill -9``; return when
    to look again (seconds).

    The main process does this, not a job: a job would itself wait in the queue behind the
    jobs of a dead process. A database error is logged and the next look tries again.
    """
    # claims (and worker_nodes, through claims) use this module's enqueue: imported here,
    # not at the top, to break the cycle.
    from accord.core.claims import HEARTBEAT_SECONDS, claimants_recover
    from accord.core.worker_nodes import dead_nodes_release, node_beat  # the same cycle

    for step, what in (
        (lambda: node_beat(node), "Beating the worker node's heartbeat"),
        (dead_nodes_release, "Looking for dead worker nodes"),
        (claimants_recover, "Looking for dead outbox drains"),
    ):
        try:
            step()
        except Exception:
            logger.exception("%s failed; trying again.", what)
    return HEARTBEAT_SECONDS
