"""The reps' tasks as a working sales team leaves them: next steps on most open deals (a few
overdue, a few missing — the stale deals), follow-ups on leads being worked, personal to-dos,
and last month's done tasks.

Past reminders and overdue notices older than a day count as sent (the worker told the rep
then); the worker's sweeps tell the freshest overdue tasks and the stale deals when the demo
starts, once each. Bulk-inserted: a few thousand rows at most on the medium company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from accord.accounts.models import Role, User
from accord.contacts.models import Lead
from accord.core.lifecycle import Stage
from accord.pipeline.models import Deal, PipelineStage, Task, TaskKind

#: What becomes of an open deal's next step: upcoming, overdue, none (a stale deal).
DEAL_STEP_WEIGHTS = (0.72, 0.14, 0.14)
DEAL_STEPS = (
    (TaskKind.CALL, "Follow-up call on the proposal"),
    (TaskKind.MEETING, "Demo with the buying committee"),
    (TaskKind.EMAIL, "Send the revised quote"),
    (TaskKind.CALL, "Check budget approval"),
    (TaskKind.MEETING, "Negotiation meeting"),
    (TaskKind.TODO, "Prepare the security questionnaire"),
)
LEAD_STEPS = (
    (TaskKind.CALL, "Call back"),
    (TaskKind.EMAIL, "Send the case study"),
    (TaskKind.CALL, "Qualify budget and timing"),
)
PERSONAL = (
    "Update the pipeline before the forecast call",
    "Review lost deals of last month",
    "Plan next week's calls",
)
_BATCH = 2_000


@dataclass
class TaskCounts:
    tasks: int = 0
    overdue: int = 0
    done: int = 0


def _task(
    *,
    rng: random.Random,
    now: datetime,
    owner_id: int,
    kind: str,
    title: str,
    state: str,
    lead_id: int | None = None,
    deal_id: int | None = None,
) -> Task:
    """One task in ``state`` (upcoming, overdue, done) as it stands ``now``."""
    if state == "upcoming":
        due = now + timedelta(hours=rng.randint(1, 24 * 12))
    elif state == "overdue":
        due = now - timedelta(hours=rng.randint(2, 24 * 6))
    else:
        due = now - timedelta(hours=rng.randint(24, 24 * 30))
    created = min(due, now) - timedelta(days=rng.randint(1, 10))
    remind = due - timedelta(hours=1) if kind in (TaskKind.CALL, TaskKind.MEETING) else None
    told_long_ago = due < now - timedelta(days=1)
    return Task(
        title=title,
        kind=kind,
        due_at=due,
        remind_at=remind,
        owner_id=owner_id,
        created_by_id=owner_id,
        lead_id=lead_id,
        deal_id=deal_id,
        created_at=created,
        done_at=due - timedelta(minutes=rng.randint(0, 600)) if state == "done" else None,
        reminded_at=remind if remind and remind < now else None,
        overdue_notified_at=due + timedelta(minutes=1)
        if state == "overdue" and told_long_ago
        else None,
    )


#: The demo's stale-after days of the open stages that have none (the migration sets the same
#: on the default pipeline; a database flushed since has none).
STALE_DAYS = {"qualification": 14, "discovery": 14, "proposal": 10, "negotiation": 7}


def _deal_tasks(rng: random.Random, now: datetime) -> list[Task]:
    rows: list[Task] = []
    open_deals = (
        Deal.objects.exclude(stage__in=("won", "lost"))
        .filter(owner__isnull=False)
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    for deal_id, owner_id in open_deals:
        state = rng.choices(("upcoming", "overdue", None), weights=DEAL_STEP_WEIGHTS)[0]
        kind, title = rng.choice(DEAL_STEPS)
        if rng.random() < 0.5:  # the step before this one, done
            done_kind, done_title = rng.choice(DEAL_STEPS)
            rows.append(
                _task(rng=rng, now=now, owner_id=owner_id, kind=done_kind, title=done_title,
                      state="done", deal_id=deal_id)
            )  # fmt: skip
        if state:
            rows.append(
                _task(rng=rng, now=now, owner_id=owner_id, kind=kind, title=title, state=state,
                      deal_id=deal_id)
            )  # fmt: skip
    return rows


def _lead_tasks(rng: random.Random, now: datetime) -> list[Task]:
    rows: list[Task] = []
    working = (
        Lead.objects.filter(stage__in=(Stage.SAL, Stage.SQL), owner__isnull=False)
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    for lead_id, owner_id in working:
        if rng.random() < 0.6:
            kind, title = rng.choice(LEAD_STEPS)
            state = rng.choices(("upcoming", "overdue", "done"), weights=(0.7, 0.1, 0.2))[0]
            rows.append(
                _task(rng=rng, now=now, owner_id=owner_id, kind=kind, title=title, state=state,
                      lead_id=lead_id)
            )  # fmt: skip
    return rows


def _personal_tasks(rng: random.Random, now: datetime) -> list[Task]:
    rows: list[Task] = []
    people = User.objects.filter(role__in=(Role.SALES, Role.MANAGER), is_active=True)
    for owner_id in people.order_by("pk").values_list("pk", flat=True):
        for title in rng.sample(PERSONAL, 2):
            state = rng.choice(("upcoming", "done", "overdue"))
            rows.append(
                _task(rng=rng, now=now, owner_id=owner_id, kind=TaskKind.TODO, title=title,
                      state=state)
            )  # fmt: skip
    return rows


def tasks_history_write(*, now: datetime, seed: int) -> TaskCounts:
    """Write the demo's tasks (on an empty task table: once per load)."""
    for key, days in STALE_DAYS.items():
        PipelineStage.objects.filter(key=key, stale_after_days__isnull=True).update(
            stale_after_days=days
        )
    rng = random.Random(seed * 7919 + 15)
    rows = [*_deal_tasks(rng, now), *_lead_tasks(rng, now), *_personal_tasks(rng, now)]
    with transaction.atomic():
        Task.objects.bulk_create(rows, batch_size=_BATCH)
    return TaskCounts(
        tasks=len(rows),
        overdue=sum(1 for t in rows if t.done_at is None and t.due_at < now),
        done=sum(1 for t in rows if t.done_at is not None),
    )
