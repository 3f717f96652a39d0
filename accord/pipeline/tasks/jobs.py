"""The worker's side of tasks and stale deals: sweeps that queue keyed jobs, and the jobs.

Three sweeps (schedules written by migration ``pipeline.0006``): reminders and overdue tasks
every minute, stale deals every hour. A sweep only reads current state, queues keyed work and
stamps ``*_queued_at`` (a job still not done after ``REQUEUE_AFTER`` is queued again: the key
makes the copy harmless), so running it twice is harmless. Each job is ``idempotent`` under a
key naming its occurrence — ``task.remind:<task>:<remind_at>``, ``task.overdue:<task>:<due_at>``,
``deal.stale:<period>`` — and stamps its row (``reminded_at``, ``overdue_notified_at``,
``notified_at``) in the transaction that notifies (``PersonAlerted``: the bell and the e-mail
outbox) and publishes (``task.overdue`` webhook). So each reminder, each overdue notice and
each stale period is told exactly once, and a moved due time is a new occurrence.

The module's path is a job address (queued rows and schedules name it): it stays here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.events import PersonAlerted, Published
from accord.core.hooks import emit
from accord.core.jobs import enqueue, idempotent
from accord.pipeline.models import Deal, DealStalePeriod, Task
from accord.pipeline.tasks import selectors
from accord.pipeline.tasks.rules import NO_ACTIVITY

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
REQUEUE_AFTER = timedelta(minutes=15)
TASKS_URL = "/tasks/"


def _stamp(at: datetime | None) -> int:
    return int(at.timestamp()) if at else 0


def _task_url(task: Task) -> str:
    if task.deal_id:
        return f"/deals/{task.deal_id}/"
    if task.lead_id:
        return f"/leads/{task.lead_id}/"
    return TASKS_URL


def _due(tasks: QuerySet[Task], *, queued_field: str, now: datetime) -> list[Task]:
    stale = now - REQUEUE_AFTER
    waiting = Q(**{f"{queued_field}__isnull": True}) | Q(**{f"{queued_field}__lt": stale})
    return list(tasks.filter(waiting).only("pk", "remind_at", "due_at")[:SWEEP_BATCH])


def task_reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue the reminder of every open task whose reminder time has come; return how many."""
    now = now or timezone.now()
    due = Task.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, remind_at__lte=now
    ).order_by("remind_at")
    queued = 0
    for task in _due(due, queued_field="remind_queued_at", now=now):
        with transaction.atomic():
            stamp = _stamp(task.remind_at)
            enqueue(task_remind, key=f"task.remind:{task.pk}:{stamp}", task_id=task.pk, at=stamp)
            Task.objects.filter(pk=task.pk).update(remind_queued_at=now)
        queued += 1
    if queued:
        logger.info("Task reminders sweep queued %s job(s).", queued)
    return queued


def tasks_overdue_sweep(*, now: datetime | None = None) -> int:
    """Queue the overdue notice of every open task past its due time; return how many."""
    now = now or timezone.now()
    due = Task.objects.filter(
        done_at__isnull=True, overdue_notified_at__isnull=True, due_at__lt=now
    ).order_by("due_at")
    queued = 0
    for task in _due(due, queued_field="overdue_queued_at", now=now):
        with transaction.atomic():
            stamp = _stamp(task.due_at)
            enqueue(
                task_overdue_notify,
                key=f"task.overdue:{task.pk}:{stamp}",
                task_id=task.pk,
                at=stamp,
            )
            Task.objects.filter(pk=task.pk).update(overdue_queued_at=now)
        queued += 1
    if queued:
        logger.info("Overdue tasks sweep queued %s job(s).", queued)
    return queued


def _task_locked(task_id: int) -> Task | None:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=task_id)
        .first()
    )


@idempotent
def task_remind(*, task_id: int, at: int) -> bool:
    """Remind the owner of a task; nothing if it was done, or its reminder moved or went."""
    now = timezone.now()
    task = _task_locked(task_id)
    if task is None or task.done_at or task.reminded_at or _stamp(task.remind_at) != at:
        return False
    if task.remind_at is None or task.remind_at > now:
        return False
    task.reminded_at = now
    task.save(update_fields=["reminded_at"])
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M %Z")
    emit(
        PersonAlerted(
            user_ids=(task.owner_id,),
            kind="task.reminder",
            title=_("Reminder: %(task)s (due %(due)s)") % {"task": task.title, "due": due},
            key=f"task.reminder:{task.pk}:{at}",
            url=_task_url(task),
            body=task.notes,
        )
    )
    return True


def task_payload(task: Task) -> dict:
    return {
        "task_id": task.pk,
        "title": task.title,
        "kind": task.kind,
        "owner_id": task.owner_id,
        "lead_id": task.lead_id,
        "deal_id": task.deal_id,
        "due_at": task.due_at,
        "external_id": task.external_id,
    }


@idempotent
def task_overdue_notify(*, task_id: int, at: int) -> bool:
    """Tell the owner a task is overdue and publish ``task.overdue``; nothing if it was done
    or moved meanwhile."""
    now = timezone.now()
    task = _task_locked(task_id)
    if task is None or task.done_at or task.overdue_notified_at or _stamp(task.due_at) != at:
        return False
    if task.due_at >= now:
        return False
    task.overdue_notified_at = now
    task.save(update_fields=["overdue_notified_at"])
    emit(
        PersonAlerted(
            user_ids=(task.owner_id,),
            kind="task.overdue",
            title=_("Overdue: %(task)s") % {"task": task.title},
            key=f"task.overdue:{task.pk}:{at}",
            url=_task_url(task),
        )
    )
    emit(Published(name="task.overdue", payload=task_payload(task), key=f"{task.pk}:{at}", at=now))
    return True


# --- Stale deals ---------------------------------------------------------------------------


def deals_stale_sweep(*, now: datetime | None = None) -> int:
    """Open a stale period (and queue its notice) for each deal that became stale; close the
    periods of deals that are no longer stale. Return how many periods were opened."""
    now = now or timezone.now()
    stale = {s.deal.pk: s for s in selectors.deals_stale(now=now)}
    open_periods = dict(
        DealStalePeriod.objects.filter(ended_at__isnull=True).values_list("deal_id", "pk")
    )
    ended = [pk for deal_id, pk in open_periods.items() if deal_id not in stale]
    if ended:
        DealStalePeriod.objects.filter(pk__in=ended, ended_at__isnull=True).update(ended_at=now)
    opened = 0
    for deal_id, found in stale.items():
        if deal_id in open_periods or opened >= SWEEP_BATCH:
            continue
        with transaction.atomic():
            period = DealStalePeriod.objects.create(
                deal_id=deal_id, started_at=now, reasons=",".join(found.reasons)
            )
            enqueue(deal_stale_notify, key=f"deal.stale:{period.pk}", period_id=period.pk)
        opened += 1
    if opened or ended:
        logger.info("Stale deals sweep: %s period(s) opened, %s ended.", opened, len(ended))
    return opened


@idempotent
def deal_stale_notify(*, period_id: int) -> bool:
    """Tell the deal's owner it went stale; nothing if the period ended or was told."""
    period = (
        DealStalePeriod.objects.select_for_update(of=("self",))
        .select_related("deal")
        .filter(pk=period_id)
        .first()
    )
    if period is None or period.ended_at or period.notified_at:
        return False
    period.notified_at = timezone.now()
    period.save(update_fields=["notified_at"])
    deal: Deal = period.deal
    if deal.owner_id is None:
        return True
    why = (
        _("no activity for a while")
        if NO_ACTIVITY in period.reasons.split(",")
        else _("no next step scheduled")
    )
    emit(
        PersonAlerted(
            user_ids=(deal.owner_id,),
            kind="deal.stale",
            title=_("Deal %(deal)s is stale: %(why)s") % {"deal": deal.name, "why": why},
            key=f"deal.stale:{period.pk}",
            url=f"/deals/{deal.pk}/",
        )
    )
    return True
