"""The job queue on PostgreSQL: django-q2's database broker against Procrastinate.

    .venv/bin/python bench/queue_compare.py [--jobs 2000] [--retry-seconds 60]

Each queue gets a fresh database (``accord_bench_queue_dq``, ``accord_bench_queue_pc`` on
``--server``) and two worker nodes of two job processes each, as ``bench/multinode.py``
runs them:

* django-q2: the product's own ``accord worker`` (``worker_run``: the claiming ORM broker of
  ``accord.core.queue_broker`` — ``SKIP LOCKED`` takes, a dead node's jobs given back by the
  live ones within three heartbeats —, poll 0.2 s, one job per take);
* django-q2-plain: the same worker on django-q2's own ORM broker (compare-and-set takes, a
  taken job locked for ``ACCORD_JOB_RETRY_SECONDS`` whatever happens to its node);
* Procrastinate: ``run_worker_async(concurrency=2)`` (``SELECT … FOR UPDATE SKIP LOCKED``,
  woken by LISTEN/NOTIFY, worker heartbeats every 1 s), plus its documented recipe for
  stalled jobs (``get_stalled_jobs`` → ``retry_job``) every 2 s in each node, as
  ``accord worker`` looks for dead outbox drains every beat.

The job records a row when it starts and when it ends (``bench_runs``). Measured:

1. **throughput**: ``--jobs`` empty jobs enqueued in one go (one transaction each, as a
   service enqueues them); jobs/s from the first enqueue to the last end, and the enqueue
   cost per job;
2. **claim latency**: ``--trickle`` jobs, one every 50 ms onto idle workers; from the
   enqueue's commit to the job's start;
3. **recovery after kill -9**: ``--slow-jobs`` jobs of 0.5 s; once several run, one node's
   process group is SIGKILLed (not restarted); the time from the kill until every job has
   ended, and until the killed jobs themselves ended;
4. **double claims**: jobs started twice outside the killed node's jobs (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.handoff_latency import percentile  # noqa: E402

RUNS_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_runs (n integer NOT NULL, phase text NOT NULL,"
    " pid integer NOT NULL, enqueued double precision NOT NULL,"
    " started double precision NOT NULL, ended double precision)"
)
_local = threading.local()


def _runs_connection(url: str):
    import psycopg

    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or getattr(_local, "pid", None) != os.getpid():
        conn = _local.conn = psycopg.connect(url, autocommit=True)
        _local.pid = os.getpid()
    return conn


def job_body(n: int, phase: str, enqueued: float, sleep: float) -> None:
    """What every job does, on either queue: a start row, the work, the end."""
    conn = _runs_connection(os.environ["QUEUE_BENCH_URL"])
    started = time.time()
    (row,) = conn.execute(
        "INSERT INTO bench_runs (n, phase, pid, enqueued, started) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING ctid::text",
        (n, phase, os.getpid(), enqueued, started),
    ).fetchone()
    if sleep:
        time.sleep(sleep)
    conn.execute("UPDATE bench_runs SET ended = %s WHERE ctid = %s::tid", (time.time(), row))


def dq_job(n: int, phase: str, enqueued: float, sleep: float) -> None:
    job_body(n, phase, enqueued, sleep)


# --- Procrastinate ---------------------------------------------------------------------------


def procrastinate_app(*, sync: bool = False):
    import procrastinate

    url = os.environ["QUEUE_BENCH_URL"]
    connector = (
        procrastinate.SyncPsycopgConnector(conninfo=url)
        if sync
        else procrastinate.PsycopgConnector(conninfo=url)
    )
    app = procrastinate.App(connector=connector)

    @app.task(name="pc_job")
    def pc_job(n: int, phase: str, enqueued: float, sleep: float) -> None:
        job_body(n, phase, enqueued, sleep)

    return app


async def _stalled_retry(app, every: float, dead_after: float) -> None:
    """Procrastinate's recipe for jobs of dead workers: retry them."""
    while True:
        await asyncio.sleep(every)
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=dead_after):
                await app.job_manager.retry_job(job)
        except Exception as error:  # a missed round; the next tries again
            print(f"stalled-job retry failed: {error}", file=sys.stderr)


async def pc_worker_main(concurrency: int) -> None:
    app = procrastinate_app()
    async with app.open_async():
        retry = asyncio.create_task(_stalled_retry(app, every=2.0, dead_after=3.0))
        await app.run_worker_async(
            concurrency=concurrency,
            update_heartbeat_interval=1.0,
            stalled_worker_timeout=3.0,
            delete_jobs="successful",
            install_signal_handlers=True,
        )
        retry.cancel()


# --- The driver --------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--queues", default="django-q2-plain,django-q2,procrastinate")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--trickle", type=int, default=100)
    parser.add_argument("--slow-jobs", type=int, default=40)
    parser.add_argument("--processes", type=int, default=2, help="job processes per node")
    parser.add_argument(
        "--retry-seconds",
        type=int,
        default=60,
        help="django-q2's lock on a taken job (ACCORD_JOB_RETRY_SECONDS; the product's default "
        "is 300): a killed worker's jobs run again after it",
    )
    return parser.parse_args()


def database_fresh(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RUNS_TABLE)
    return url


class Queue:
    """One queue under test: prepare, start a node, enqueue."""

    name = ""

    def __init__(self, url: str, args: argparse.Namespace, work: str) -> None:
        self.url, self.args, self.work = url, args, work
        self.env = {
            **os.environ,
            "QUEUE_BENCH_URL": url,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ACCORD_VAR_DIR": work,
            "ACCORD_JOB_RETRY_SECONDS": str(args.retry_seconds),
            "ACCORD_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
        }

    def node_start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, __file__, f"{self.name}-worker", str(self.args.processes)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )


class DjangoQ(Queue):
    name = "django-q2"

    def prepare(self) -> None:
        subprocess.run(
            [str(ROOT / ".venv/bin/accord"), "migrate"], env=self.env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        os.environ.update({k: v for k, v in self.env.items() if k != "PYTHONPATH"})
        import django

        django.setup()

    def enqueue(self, jobs: list[tuple[int, str, float]]) -> None:
        from django.db import transaction
        from django_q.tasks import async_task

        for n, phase, sleep in jobs:
            with transaction.atomic():
                async_task("queue_compare.dq_job", n, phase, time.time(), sleep)

    def close(self) -> None:
        from django import db

        db.connections.close_all()


class DjangoQPlain(DjangoQ):
    """django-q2's own ORM broker, as before ``accord.core.queue_broker``."""

    name = "django-q2-plain"


class Procrastinate(Queue):
    name = "procrastinate"

    def prepare(self) -> None:
        os.environ["QUEUE_BENCH_URL"] = self.url
        self.app = procrastinate_app(sync=True)
        self.app.open()
        self.app.schema_manager.apply_schema()
        self.task = self.app.tasks["pc_job"]

    def enqueue(self, jobs: list[tuple[int, str, float]]) -> None:
        for n, phase, sleep in jobs:
            self.task.defer(n=n, phase=phase, enqueued=time.time(), sleep=sleep)

    def close(self) -> None:
        self.app.close()


def rows(url: str, phase: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT n, pid, enqueued, started, ended FROM bench_runs WHERE phase = %s", (phase,)
        ).fetchall()


def wait_ended(url: str, phase: str, count: int, timeout: float) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        found = rows(url, phase)
        ended = {r[0] for r in found if r[4] is not None}
        if len(ended) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def nodes_stop(nodes: list[subprocess.Popen]) -> None:
    for node in nodes:
        if node.poll() is None:
            os.killpg(node.pid, signal.SIGTERM)
    for node in nodes:
        try:
            node.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()


def starts_twice(found: list[tuple]) -> int:
    seen: dict[int, int] = {}
    for n, *_ in found:
        seen[n] = seen.get(n, 0) + 1
    return sum(1 for c in seen.values() if c > 1)


def queue_measure(queue: Queue, args: argparse.Namespace) -> dict:
    """Length: the four measures in order on one queue, each reading the rows it caused."""
    queue.prepare()
    nodes = [queue.node_start(), queue.node_start()]
    result: dict = {}
    try:
        time.sleep(4)  # the nodes start and fork
        queue.enqueue([(n, "warm", 0.0) for n in range(20)])
        wait_ended(queue.url, "warm", 20, 60)
        began = time.time()
        queue.enqueue([(n, "bulk", 0.0) for n in range(args.jobs)])
        enqueue_seconds = time.time() - began
        found = wait_ended(queue.url, "bulk", args.jobs, 600)
        last = max(r[4] for r in found if r[4] is not None)
        result["jobs_per_s"] = args.jobs / (last - began)
        result["enqueue_ms"] = enqueue_seconds / args.jobs * 1000
        result["bulk_twice"] = starts_twice(found)
        for n in range(args.trickle):
            queue.enqueue([(n, "trickle", 0.0)])
            time.sleep(0.05)
        found = wait_ended(queue.url, "trickle", args.trickle, 60)
        claims = [r[3] - r[2] for r in found]
        result["claim_p50"], result["claim_p99"] = percentile(claims, 50), percentile(claims, 99)
        result["trickle_twice"] = starts_twice(found)
        result.update(kill_measure(queue, args, nodes))
    finally:
        nodes_stop(nodes)
        queue.close()
    return result


def kill_measure(queue: Queue, args: argparse.Namespace, nodes: list) -> dict:
    queue.enqueue([(n, "slow", 0.5) for n in range(args.slow_jobs)])
    victim = nodes[0]
    deadline = time.monotonic() + 60
    running: list[int] = []
    while time.monotonic() < deadline and len(running) < 2:
        running = _running_in(queue.url, victim.pid)
        time.sleep(0.01)
    victim_pids = _group_pids(victim.pid)
    os.killpg(victim.pid, signal.SIGKILL)
    killed_at = time.time()
    victim.wait()
    # What the dead node was running: its rows that never ended (including any it started
    # after the last look above).
    held = {r[0] for r in rows(queue.url, "slow") if r[4] is None and r[1] in victim_pids}
    found = wait_ended(queue.url, "slow", args.slow_jobs, args.retry_seconds * 3 + 60)
    ended = [r for r in found if r[4] is not None]
    done_at = max((r[4] for r in ended), default=killed_at)
    held_done = max((r[4] for r in ended if r[0] in held), default=killed_at)
    repeated = starts_twice(found)
    return {
        "killed_held": len(held),
        "recovery_all": done_at - killed_at,
        "recovery_held": held_done - killed_at,
        "slow_done": len({r[0] for r in ended}),
        "slow_twice_beyond_killed": max(0, repeated - len(held)),
    }


def _group_pids(group: int) -> set[int]:
    """The pids of process group ``group`` (read from /proc before the group is killed)."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # after the command: state, ppid, pgrp
            pids.add(int(stat.parent.name))
    return pids


def _running_in(url: str, group: int) -> list[int]:
    """Jobs started and not ended by a process of process group ``group``."""
    running = []
    for n, pid, _e, _s, ended in rows(url, "slow"):
        if ended is not None:
            continue
        try:
            if os.getpgid(pid) == group:
                running.append(n)
        except OSError:
            continue
    return running


def main() -> None:
    import tempfile

    args = arguments()
    print(
        f"Queue comparison: 2 nodes x {args.processes} job processes; {args.jobs} jobs, "
        f"{args.trickle} trickled, {args.slow_jobs} slow (0.5 s) with a kill -9; "
        f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}"
    )
    kinds = {"django-q2-plain": (DjangoQPlain, "accord_bench_queue_dqp"),
             "django-q2": (DjangoQ, "accord_bench_queue_dq"),
             "procrastinate": (Procrastinate, "accord_bench_queue_pc")}  # fmt: skip
    names = args.queues.split(",")
    if len(names) > 1:
        # One process per queue: Django's settings (the database) are fixed at setup.
        for name in names:
            argv, skip = [], False
            for arg in sys.argv[1:]:
                if not skip and not arg.startswith("--queues"):
                    argv.append(arg)
                skip = arg == "--queues"  # its value follows
            subprocess.run([sys.executable, __file__, *argv, f"--queues={name}"], check=True)
        return
    for name in names:
        cls, database = kinds[name]
        url = database_fresh(args.server, database)
        r = queue_measure(cls(url, args, tempfile.mkdtemp(prefix="accord-queue-")), args)
        print(
            f"\n{name}: {r['jobs_per_s']:.0f} jobs/s (enqueue {r['enqueue_ms']:.2f} ms/job); "
            f"claim latency p50 {r['claim_p50'] * 1000:.0f} ms, p99 {r['claim_p99'] * 1000:.0f} ms;"
            f"\n  kill -9 of a node running {r['killed_held']} jobs: those ended "
            f"{r['recovery_held']:.1f} s after the kill, all {r['slow_done']} of "
            f"{args.slow_jobs} {r['recovery_all']:.1f} s after;"
            f"\n  double claims: bulk {r['bulk_twice']}, trickle {r['trickle_twice']}, "
            f"slow (beyond the killed jobs) {r['slow_twice_beyond_killed']}"
            f"  [load {os.getloadavg()[0]:.1f}]"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith("-worker"):
        count = int(sys.argv[2])
        if sys.argv[1] == "procrastinate-worker":
            asyncio.run(pc_worker_main(count))
        else:
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            from accord.core.jobs import worker_run

            if sys.argv[1] == "django-q2-plain-worker":
                from django_q.conf import Conf

                Conf.BROKER_CLASS = None  # django-q2's own ORM broker

            sys.exit(worker_run(processes=count, echo=lambda line: None))
    else:
        main()
