"""Reminders, overdue notices and stale-deal warnings on the worker path: the sweeps queue
keyed jobs, the jobs run as the worker runs them (``handoff_jobs_run``), and each notice is
sent exactly once — sweeping and running twice adds nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.models import Notification
from accord.handoff.tests.sla_support import handoff_jobs_run
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.pipeline.models import (
    Activity,
    Deal,
    DealStalePeriod,
    PipelineStage,
    Task,
    pipeline_default_id,
)
from accord.pipeline.tasks import jobs
from accord.pipeline.tasks.services import task_complete, task_create, task_update

pytestmark = pytest.mark.django_db

JOBS = "accord.pipeline.tasks.jobs"


def _rep(name: str = "rep") -> object:
    return UserFactory(username=name, role=Role.SALES, email=f"{name}@example.com")


def _task(owner, *, due_in: timedelta, remind_in: timedelta | None = None, **extra) -> Task:
    now = timezone.now()
    return task_create(
        title="Call back",
        kind="call",
        due_at=now + due_in,
        remind_at=now + remind_in if remind_in is not None else None,
        owner_id=owner.pk,
        created_by=owner,
        **extra,
    )


def _shift(task: Task, *, by: timedelta) -> None:
    """Time passes: move the task's times back instead of the clock forward."""
    Task.objects.filter(pk=task.pk).update(
        due_at=task.due_at - by, remind_at=task.remind_at - by if task.remind_at else None
    )


def test_a_reminder_is_sent_once_by_the_worker_and_e_mailed():
    rep = _rep()
    task = _task(rep, due_in=timedelta(hours=2), remind_in=timedelta(hours=1))
    assert jobs.task_reminders_sweep() == 0  # not yet
    _shift(task, by=timedelta(hours=1, minutes=1))

    for _round in range(2):  # run twice -> one notification
        jobs.task_reminders_sweep()
        handoff_jobs_run(prefix=JOBS)
        handoff_jobs_run()  # the e-mail outbox
    reminders = Notification.objects.filter(user=rep, kind="task.reminder")
    assert reminders.count() == 1
    assert "Call back" in reminders.get().title
    assert [m.to for m in mail.outbox] == [["rep@example.com"]]
    task.refresh_from_db()
    assert task.reminded_at is not None
    # A second delivery of the same job does nothing.
    key = f"task.remind:{task.pk}:{int(task.remind_at.timestamp())}"
    assert (
        jobs.task_remind(job_key=key, task_id=task.pk, at=int(task.remind_at.timestamp())) is None
    )


def test_a_moved_reminder_is_a_new_one_and_a_done_task_is_not_reminded():
    rep = _rep()
    task = _task(rep, due_in=timedelta(hours=3), remind_in=timedelta(minutes=30))
    _shift(task, by=timedelta(minutes=31))
    jobs.task_reminders_sweep()
    handoff_jobs_run(prefix=JOBS)
    task.refresh_from_db()
    task_update(task_id=task.pk, changes={"remind_at": timezone.now() - timedelta(seconds=5)})
    jobs.task_reminders_sweep()
    handoff_jobs_run(prefix=JOBS)
    assert Notification.objects.filter(user=rep, kind="task.reminder").count() == 2

    done = _task(rep, due_in=timedelta(hours=3), remind_in=timedelta(minutes=30))
    _shift(done, by=timedelta(minutes=31))
    jobs.task_reminders_sweep()  # queued ...
    task_complete(task_id=done.pk)  # ... then done before the worker took it
    handoff_jobs_run(prefix=JOBS)
    assert Notification.objects.filter(user=rep, kind="task.reminder").count() == 2


def test_the_overdue_sweep_notifies_once_and_fires_the_webhook_once():
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/t", secret="whsec_dGVzdA==", events=["task.overdue"]
    )
    rep = _rep()
    task = _task(rep, due_in=timedelta(hours=1))
    assert jobs.tasks_overdue_sweep() == 0
    _shift(task, by=timedelta(hours=2))

    assert jobs.tasks_overdue_sweep() == 1
    assert jobs.tasks_overdue_sweep() == 0  # queued already
    assert handoff_jobs_run(prefix=JOBS) == 1
    jobs.tasks_overdue_sweep()
    assert handoff_jobs_run(prefix=JOBS) == 0
    assert Notification.objects.filter(user=rep, kind="task.overdue").count() == 1
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint, event="task.overdue")
    assert deliveries.count() == 1
    body = json.loads(deliveries.get().body)
    assert body["type"] == "task.overdue" and body["data"]["task_id"] == task.pk

    # Done tasks are never overdue.
    finished = _task(rep, due_in=timedelta(hours=1))
    task_complete(task_id=finished.pk)
    _shift(finished, by=timedelta(hours=2))
    assert jobs.tasks_overdue_sweep() == 0


def test_a_job_queued_long_ago_and_lost_is_queued_again_under_the_same_key():
    rep = _rep()
    task = _task(rep, due_in=timedelta(hours=1))
    _shift(task, by=timedelta(hours=2))
    jobs.tasks_overdue_sweep()
    Task.objects.filter(pk=task.pk).update(
        overdue_queued_at=timezone.now() - jobs.REQUEUE_AFTER - timedelta(minutes=1)
    )
    assert jobs.tasks_overdue_sweep() == 1  # requeued: two queue rows, one key
    handoff_jobs_run(prefix=JOBS)
    assert Notification.objects.filter(user=rep, kind="task.overdue").count() == 1


def _stale_after(days: int | None, *, stage: str | None = None) -> None:
    stages = PipelineStage.objects.filter(pipeline_id=pipeline_default_id(), outcome="open")
    if stage:
        stages = stages.filter(key=stage)
    stages.update(stale_after_days=days)


def test_the_stale_threshold_is_the_stage_s_and_a_stage_without_one_never_goes_stale():
    rep = _rep()
    _stale_after(None)
    _stale_after(5, stage="negotiation")
    old = timezone.now() - timedelta(days=6)
    Deal.objects.create(name="In qualification", amount=1, owner=rep, created_at=old)
    Deal.objects.create(
        name="In negotiation", amount=1, owner=rep, stage="negotiation", created_at=old
    )
    from accord.pipeline.tasks.selectors import deals_stale

    found = deals_stale(owner_ids=[rep.pk])
    assert [(s.deal.name, s.days, s.reasons) for s in found] == [
        ("In negotiation", 5, ("no_activity", "no_next_step"))
    ]
    _stale_after(7, stage="negotiation")
    assert [s.reasons for s in deals_stale(owner_ids=[rep.pk])] == [("no_next_step",)]


def test_stale_deals_are_flagged_once_per_stale_period():
    _stale_after(7)
    rep = _rep()
    now = timezone.now()
    quiet = Deal.objects.create(
        name="Quiet", amount=10, owner=rep, created_at=now - timedelta(days=30)
    )
    Activity.objects.create(deal=quiet, kind="call", user=rep, at=now - timedelta(days=8))
    busy = Deal.objects.create(
        name="Busy", amount=10, owner=rep, created_at=now - timedelta(days=30)
    )
    Activity.objects.create(deal=busy, kind="call", user=rep, at=now - timedelta(days=1))
    next_step = _task(rep, due_in=timedelta(days=2), deal_id=busy.pk)
    Deal.objects.create(name="Won", amount=10, owner=rep, stage="won", closed_at=now)
    no_step = Deal.objects.create(name="No next step", amount=10, owner=rep)

    from accord.pipeline.tasks.selectors import deals_stale

    found = {s.deal.name: s.reasons for s in deals_stale(owner_ids=[rep.pk])}
    assert found == {
        "Quiet": ("no_activity", "no_next_step"),
        "No next step": ("no_next_step",),
    }
    for _round in range(2):
        jobs.deals_stale_sweep()
        handoff_jobs_run(prefix=JOBS)
    stale = Notification.objects.filter(user=rep, kind="deal.stale")
    assert sorted(stale.values_list("url", flat=True)) == sorted(
        [f"/deals/{quiet.pk}/", f"/deals/{no_step.pk}/"]
    )

    # A next step ends No next step's period; Busy's task done makes Busy stale.
    _task(rep, due_in=timedelta(days=1), deal_id=no_step.pk)
    task_complete(task_id=next_step.pk)
    assert jobs.deals_stale_sweep() == 1  # Busy
    handoff_jobs_run(prefix=JOBS)
    assert DealStalePeriod.objects.get(deal=no_step).ended_at is not None
    assert stale.count() == 3 and stale.filter(url=f"/deals/{busy.pk}/").count() == 1
    # A new stale period of the same deal is told again (once).
    Task.objects.filter(deal=no_step).update(done_at=now)
    for _round in range(2):
        jobs.deals_stale_sweep()
        handoff_jobs_run(prefix=JOBS)
    assert stale.filter(url=f"/deals/{no_step.pk}/").count() == 2
