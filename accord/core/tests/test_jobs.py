"""The job interface in process: outbox enqueue, idempotency receipts, schedules, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from accord.core import jobs
from accord.core.models import JobReceipt
from accord.core.tests import job_fixtures
from accord.core.tests.job_fixtures import marker_lines


class Boom(Exception):
    pass


def test_enqueue_writes_the_queue_row_in_the_callers_transaction(db, tmp_path):
    with pytest.raises(Boom), transaction.atomic():
        jobs.enqueue(job_fixtures.record_done, key="t:rolled", marker_dir=str(tmp_path), label="x")
        assert OrmQ.objects.count() == 1
        raise Boom
    assert OrmQ.objects.count() == 0

    with transaction.atomic():
        task_id = jobs.enqueue(
            "accord.core.tests.job_fixtures.record_done",
            key="t:kept",
            marker_dir=str(tmp_path),
            label="y",
        )
    [row] = OrmQ.objects.all()
    assert row.task["id"] == task_id
    assert row.task["name"] == "t:kept"
    assert row.task["func"] == "accord.core.tests.job_fixtures.record_done"
    assert row.task["kwargs"] == {"job_key": "t:kept", "marker_dir": str(tmp_path), "label": "y"}


def test_enqueue_refuses_jobs_that_are_not_idempotent(db, tmp_path):
    with pytest.raises(TypeError, match="idempotent"):
        jobs.enqueue(job_fixtures.not_idempotent, key="t:1", marker_dir=str(tmp_path), label="x")
    with pytest.raises(TypeError, match="cannot be imported"):
        jobs.enqueue("accord.core.tests.job_fixtures.missing", key="t:1")
    assert OrmQ.objects.count() == 0


@pytest.mark.parametrize(
    ("key", "kwargs", "error", "message"),
    [
        ("", {}, ValueError, "key"),
        ("k" * 201, {}, ValueError, "key"),
        ("t:1", {"timeout": 5}, TypeError, "timeout"),
        ("t:1", {"group": "g", "hook": "h"}, TypeError, "group, hook"),
    ],
)
def test_enqueue_rejects_bad_keys_and_reserved_argument_names(db, key, kwargs, error, message):
    with pytest.raises(error, match=message):
        jobs.enqueue(job_fixtures.record_done, key=key, label="x", **kwargs)
    assert OrmQ.objects.count() == 0


def test_idempotent_job_delivered_twice_has_one_effect(db, tmp_path):
    first = job_fixtures.record_done(job_key="t:twice", marker_dir=str(tmp_path), label="once")
    second = job_fixtures.record_done(job_key="t:twice", marker_dir=str(tmp_path), label="once")

    assert (first, second) == ("once", None)
    assert marker_lines(tmp_path, "done.log") == ["once"]
    receipt = JobReceipt.objects.get()
    assert (receipt.key, receipt.func) == ("t:twice", "accord.core.tests.job_fixtures.record_done")


def test_idempotent_job_that_fails_leaves_no_receipt_and_runs_again(db, tmp_path):
    with pytest.raises(RuntimeError, match="planned failure"):
        job_fixtures.fail_on_first_attempt(job_key="t:fail", marker_dir=str(tmp_path), label="f")
    assert not JobReceipt.objects.exists()

    job_fixtures.fail_on_first_attempt(job_key="t:fail", marker_dir=str(tmp_path), label="f")
    assert marker_lines(tmp_path, "done.log") == ["f"]
    assert JobReceipt.objects.filter(key="t:fail").count() == 1


def test_schedule_ensure_creates_once_then_updates_in_place(db):
    jobs.schedule_ensure(name="sla.sweep", func=job_fixtures.periodic_sweep, minutes=5)
    jobs.schedule_ensure(name="sla.sweep", func=job_fixtures.periodic_sweep, minutes=5)
    schedule = Schedule.objects.get(name="sla.sweep")
    assert schedule.func == "accord.core.tests.job_fixtures.periodic_sweep"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 5, -1)
    first_run = schedule.next_run

    Schedule.objects.create(name="sla.sweep", func="x.y", schedule_type=Schedule.MINUTES)
    jobs.schedule_ensure(
        name="sla.sweep", func=job_fixtures.periodic_sweep, minutes=15, kwargs={"limit": 10}
    )
    schedule = Schedule.objects.get(name="sla.sweep")  # the duplicate is gone
    assert schedule.minutes == 15
    assert schedule.kwargs == "{'limit': 10}"
    assert schedule.next_run > first_run


def test_schedule_ensure_rejects_bad_input(db):
    with pytest.raises(ValueError, match="minutes"):
        jobs.schedule_ensure(name="s", func=job_fixtures.periodic_sweep, minutes=0)
    with pytest.raises(ImportError):
        jobs.schedule_ensure(name="s", func="accord.core.tests.job_fixtures.missing", minutes=1)
    assert not Schedule.objects.filter(name="s").exists()


def test_receipts_prune_deletes_only_old_receipts(db):
    JobReceipt.objects.create(key="old", func="f", created_at=timezone.now() - timedelta(days=40))
    JobReceipt.objects.create(key="new", func="f")
    assert jobs.receipts_prune(older_than=timedelta(days=30)) == 1
    assert list(JobReceipt.objects.values_list("key", flat=True)) == ["new"]


def test_worker_help_explains_crash_safety_and_options():
    from accord.cli import cli

    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0
    for text in ("--processes", "ACCORD_JOB_RETRY_SECONDS", "kill -9", "SIGTERM"):
        assert text in result.output


def test_enqueued_row_is_what_django_q2_reads(db, tmp_path):
    """The lean queue insert writes the payload the broker and worker decode."""
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    task_id = jobs.enqueue(job_fixtures.record_done, key="t:lean", marker_dir="d", label="z")
    [(queued_id, payload)] = get_broker().dequeue()
    task = SignedPackage.loads(payload)
    assert task["id"] == task_id and task["name"] == "t:lean" and task["args"] == ()
    assert task["func"] == "accord.core.tests.job_fixtures.record_done"
    assert task["kwargs"] == {"job_key": "t:lean", "marker_dir": "d", "label": "z"}
    assert timezone.is_aware(task["started"])
    assert OrmQ.objects.get(pk=queued_id).key == "accord"
