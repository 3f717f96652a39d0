"""`accord worker` as a real process on the test database: rollback, commit, retry, kill -9.

Every test commits its data (``transactional_db``) so that the worker process, started with
``DATABASE_URL`` pointing at the test database, sees it. Waiting is polling with a deadline;
nothing here asserts on how long anything took.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django_q.models import OrmQ, Success, Task

from accord.core import jobs
from accord.core.models import JobClaim, JobReceipt, WorkerNode
from accord.core.tests import job_fixtures
from accord.core.tests.job_fixtures import marker_lines

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 60
REPO_DIR = Path(__file__).resolve().parents[3]


class Boom(Exception):
    pass


def _test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = quote(settings["USER"], safe="")
    if settings.get("PASSWORD"):
        auth += ":" + quote(settings["PASSWORD"], safe="")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_hard(self) -> None:
        """kill -9 the whole cluster: the main process, its sentinel, pusher, monitor, workers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=DEADLINE_SECONDS)


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(*, retry_seconds: int = 4, timeout_seconds: int | None = None) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "ACCORD_JOB_RETRY_SECONDS": str(retry_seconds),
            "ACCORD_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        if timeout_seconds:
            env["ACCORD_JOB_TIMEOUT_SECONDS"] = str(timeout_seconds)
        log_path = tmp_path / f"worker-{len(started) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "accord.cli", "worker", "--processes", "1"],
                cwd=REPO_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so killpg reaches the cluster
            )
        worker = Worker(process, log_path)
        started.append(worker)
        return worker

    yield start
    # Before the database is flushed: no worker may outlive its test.
    for worker in started:
        worker.kill_hard()


def wait_until(condition: Callable[[], bool], what: str, workers: list[Worker]) -> None:
    """Poll ``condition`` until it holds; fail with the workers' logs at the deadline.

    The last of ``workers`` is the one doing the work: if it exits, fail at once.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS
    running = workers[-1]
    while time.monotonic() < deadline:
        if condition():
            return
        if running.process.poll() is not None:
            code = running.process.returncode
            pytest.fail(f"The worker exited ({code}) before {what}:\n{running.log()}")
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log_path.name}\n{w.log()}" for w in workers)
    pytest.fail(f"Gave up after {DEADLINE_SECONDS} s waiting for {what}.\n{logs}")


def _enqueue_committed(func, key: str, marker_dir: Path, label: str) -> None:
    with transaction.atomic():
        jobs.enqueue(func, key=key, marker_dir=str(marker_dir), label=label)


def _receipt_exists(key: str) -> Callable[[], bool]:
    return lambda: JobReceipt.objects.filter(key=key).exists()


def test_committed_job_runs_once_and_sigterm_stops_the_worker(start_worker, tmp_path):
    worker = start_worker()
    _enqueue_committed(job_fixtures.record_done, "commit:1", tmp_path, "committed")

    wait_until(_receipt_exists("commit:1"), "the committed job to run", [worker])
    wait_until(lambda: not OrmQ.objects.exists(), "the job to be acknowledged", [worker])
    assert marker_lines(tmp_path, "done.log") == ["committed"]
    assert JobReceipt.objects.filter(key="commit:1").count() == 1
    assert Success.objects.filter(name="commit:1").count() == 1

    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=DEADLINE_SECONDS) == 0
    log = worker.log()
    assert f"Accord worker: 1 processes, queue in {connection.vendor}, retry after 4 s" in log
    assert "Accord worker: stopping" in log


def test_job_enqueued_in_a_rolled_back_transaction_never_runs(start_worker, tmp_path):
    worker = start_worker()
    with pytest.raises(Boom), transaction.atomic():
        jobs.enqueue(
            job_fixtures.record_done, key="rollback:1", marker_dir=str(tmp_path), label="rolled"
        )
        raise Boom
    assert not OrmQ.objects.exists()
    # A job queued after the rolled-back one: once it has run, the worker is past that point.
    _enqueue_committed(job_fixtures.record_done, "rollback:sentinel", tmp_path, "sentinel")

    wait_until(_receipt_exists("rollback:sentinel"), "the sentinel job to run", [worker])
    assert marker_lines(tmp_path, "done.log") == ["sentinel"]
    assert not JobReceipt.objects.filter(key="rollback:1").exists()
    assert not Task.objects.filter(name="rollback:1").exists()


def test_same_key_enqueued_twice_has_one_effect(start_worker, tmp_path):
    _enqueue_committed(job_fixtures.record_done, "twice:1", tmp_path, "first")
    _enqueue_committed(job_fixtures.record_done, "twice:1", tmp_path, "second")
    assert OrmQ.objects.count() == 2
    worker = start_worker()

    wait_until(
        lambda: Success.objects.filter(name="twice:1").count() == 2 and not OrmQ.objects.exists(),
        "both deliveries to finish",
        [worker],
    )
    assert len(marker_lines(tmp_path, "done.log")) == 1
    assert JobReceipt.objects.filter(key="twice:1").count() == 1


def test_failed_job_is_recorded_and_retried(start_worker, tmp_path):
    worker = start_worker(retry_seconds=3)
    _enqueue_committed(job_fixtures.fail_on_first_attempt, "fail:1", tmp_path, "flaky")

    wait_until(
        lambda: Task.objects.filter(name="fail:1", success=False).exists(),
        "the first attempt's failure record",
        [worker],
    )
    assert OrmQ.objects.count() == 1  # the failed job is still queued, not dropped
    wait_until(_receipt_exists("fail:1"), "the retry to succeed", [worker])
    wait_until(
        lambda: Task.objects.filter(name="fail:1", success=True).exists(),
        "the retry's result",
        [worker],
    )
    task = Task.objects.get(name="fail:1")
    assert task.attempt_count == 2
    assert marker_lines(tmp_path, "started.log") == ["flaky", "flaky"]
    assert marker_lines(tmp_path, "done.log") == ["flaky"]


def test_job_of_a_killed_worker_is_run_again_by_another(start_worker, tmp_path):
    # Both workers lock jobs for 6 s; the job's own time limit (5 s) is well past the moment
    # the test kills the first worker.
    first = start_worker(retry_seconds=6, timeout_seconds=5)
    _enqueue_committed(job_fixtures.block_on_first_attempt, "kill:1", tmp_path, "crashy")

    wait_until(
        lambda: len(marker_lines(tmp_path, "started.log")) == 1,
        "the job to start on the first worker",
        [first],
    )
    first.kill_hard()
    assert first.process.returncode == -signal.SIGKILL
    # Killed mid-transaction: its receipt never committed, and the job is still queued.
    assert not JobReceipt.objects.filter(key="kill:1").exists()
    assert OrmQ.objects.count() == 1

    second = start_worker(retry_seconds=6, timeout_seconds=5)
    wait_until(_receipt_exists("kill:1"), "the second worker to run the job", [first, second])
    wait_until(lambda: not OrmQ.objects.exists(), "the job to be acknowledged", [first, second])

    started = marker_lines(tmp_path, "started.log")
    assert len(started) == 2
    assert started[0] != started[1]  # two different worker processes (pid in the line)
    assert marker_lines(tmp_path, "done.log") == ["crashy"]
    assert JobReceipt.objects.filter(key="kill:1").count() == 1
    assert Success.objects.filter(name="kill:1").count() == 1


def test_jobs_of_a_killed_worker_node_come_back_without_waiting_for_their_lock(
    start_worker, tmp_path
):
    # The queue's lock is an hour: only the dead node's claim being given back by the live
    # node (accord.core.worker_nodes) can get the job run again within the test's deadline.
    first = start_worker(retry_seconds=3600, timeout_seconds=900)
    _enqueue_committed(job_fixtures.block_on_first_attempt, "node:1", tmp_path, "stranded")
    wait_until(
        lambda: len(marker_lines(tmp_path, "started.log")) == 1,
        "the job to start on the first worker",
        [first],
    )
    first_node = WorkerNode.objects.get()
    assert list(JobClaim.objects.values_list("node", flat=True)) == [first_node.token]
    first.kill_hard()

    second = start_worker(retry_seconds=3600, timeout_seconds=900)
    wait_until(_receipt_exists("node:1"), "the live node to run the job again", [first, second])
    wait_until(lambda: not OrmQ.objects.exists(), "the job to be acknowledged", [first, second])

    assert marker_lines(tmp_path, "done.log") == ["stranded"]
    assert not WorkerNode.objects.filter(token=first_node.token).exists()
    assert not JobClaim.objects.exists()
