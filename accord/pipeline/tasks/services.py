"""Writes on tasks: create, change, complete, reopen, delete.

A task is due in the future when it is created (a next step, not a record of the past: an
import or the demo, which record history, say ``backdated=True``); its reminder, if any, comes
no later than its due time. Changing the due or reminder time re-arms the matching notice:
each notice is keyed by the time it is for (``accord.pipeline.tasks.jobs``), so it is sent
once per time set, never twice for the same one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Unpack, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.core.errors import InvalidInput, NotFound
from accord.core.timeutils import aware_required
from accord.pipeline.models import Deal, Task, TaskKind
from accord.pipeline.tasks.inputs import TaskChanges, TaskExtras

#: A form picks minutes: "now" sent a few seconds late is not "in the past".
DUE_GRACE = timedelta(minutes=1)
TITLE_MAX = Task._meta.get_field("title").max_length or 200


def _row(model: Any, pk: int | None, *, field: str, label: str) -> Any:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"{label} {pk} does not exist.", field=field)
    return row


def _when(value: datetime | None, *, field: str) -> datetime:
    if value is None:
        raise InvalidInput(_("A task needs a due time."), field=field)
    return aware_required(value, field=field)


def _task_apply(task: Task, fields: TaskChanges) -> None:
    """Validate ``fields`` and set them on ``task`` (not saved); re-arm changed notices."""
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title:
            raise InvalidInput(_("A task needs a title."), field="title")
        if len(title) > TITLE_MAX:
            raise InvalidInput(
                _("The title is longer than %(n)s characters.") % {"n": TITLE_MAX}, field="title"
            )
        task.title = title
    if "kind" in fields:
        kind = fields["kind"] or ""
        if kind not in TaskKind.values:
            raise InvalidInput(f"Unknown task kind {kind!r}.", field="kind")
        task.kind = kind
    if "owner_id" in fields:
        owner = _row(User, fields["owner_id"], field="owner_id", label="User")
        if owner is None or not owner.is_active:
            raise InvalidInput(_("A task needs an active owner."), field="owner_id")
        task.owner = owner
    if "due_at" in fields:
        due_at = _when(fields["due_at"], field="due_at")
        if due_at != task.due_at:
            task.overdue_queued_at = task.overdue_notified_at = None
        task.due_at = due_at
    if "remind_at" in fields:
        remind_at = fields["remind_at"]
        if remind_at is not None:
            remind_at = aware_required(remind_at, field="remind_at")
        if remind_at != task.remind_at:
            task.remind_queued_at = task.reminded_at = None
        task.remind_at = remind_at
    if "notes" in fields:
        task.notes = fields["notes"] or ""
    if "lead_id" in fields:
        task.lead = _row(Lead, fields["lead_id"], field="lead_id", label="Lead")
    if "deal_id" in fields:
        task.deal = _row(Deal, fields["deal_id"], field="deal_id", label="Deal")
    if task.lead_id is not None and task.deal_id is not None:
        raise InvalidInput(_("A task belongs to a lead or to a deal, not both."), field="deal_id")
    if task.remind_at is not None and task.remind_at > task.due_at:
        raise InvalidInput(_("The reminder comes after the due time."), field="remind_at")


def _external_id_check(task: Task, external_id: str | None) -> None:
    if external_id is not None:
        taken = Task.objects.filter(external_id=external_id)
        if task.pk:
            taken = taken.exclude(pk=task.pk)
        if taken.exists():
            raise InvalidInput(
                f"Another task already has external_id {external_id!r}.", field="external_id"
            )
    task.external_id = external_id


@transaction.atomic
def task_create(
    *,
    title: str | None,
    kind: str | None,
    due_at: datetime | None,
    owner_id: int | None,
    created_by: User | None,
    backdated: bool = False,
    done_at: datetime | None = None,
    **fields: Unpack[TaskExtras],
) -> Task:
    """Schedule a task. Refused (nothing written, the field named): a due time in the past,
    a reminder after the due time, both a lead and a deal, no title or owner."""
    now = timezone.now()
    external_id = fields.pop("external_id", None)
    task = Task(created_by=created_by, created_at=now)
    _task_apply(
        task,
        TaskChanges(title=title, kind=kind, due_at=due_at, owner_id=owner_id, **fields),
    )
    if not backdated and task.due_at < now - DUE_GRACE:
        raise InvalidInput(_("A new task cannot be due in the past."), field="due_at")
    if done_at is not None:
        task.done_at = aware_required(done_at, field="done_at")
    _external_id_check(task, external_id)
    task.save()
    return task


def _task_locked(task_id: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.", field="task_id")
    return task


@transaction.atomic
def task_update(*, task_id: int, changes: TaskChanges) -> Task:
    task = _task_locked(task_id)
    external_id = changes.pop("external_id", task.external_id)
    _task_apply(task, changes)
    _external_id_check(task, external_id)
    task.save()
    return task


@transaction.atomic
def task_complete(*, task_id: int, at: datetime | None = None) -> Task:
    """Mark a task done (a second completion keeps the first time)."""
    task = _task_locked(task_id)
    if task.done_at is None:
        task.done_at = aware_required(at, field="at")
        task.save(update_fields=["done_at", "updated_at"])
    return task


@transaction.atomic
def task_reopen(*, task_id: int) -> Task:
    """Mark a done task open again (its notices stay as sent)."""
    task = _task_locked(task_id)
    if task.done_at is not None:
        task.done_at = None
        task.save(update_fields=["done_at", "updated_at"])
    return task


@transaction.atomic
def task_delete(*, task_id: int) -> None:
    _task_locked(task_id).delete()


@transaction.atomic
def task_upsert(
    *, external_id: str | None, created_by: User | None, **fields: Any
) -> tuple[Task, bool]:
    """Create a task, or change the one with this ``external_id``; ``(task, created)``."""
    if external_id is not None:
        known = Task.objects.filter(external_id=external_id).first()
        if known is not None:
            fields.pop("backdated", None)
            fields.pop("done_at", None)
            changes = cast(TaskChanges, fields)
            return task_update(task_id=known.pk, changes=changes), False
    return task_create(created_by=created_by, external_id=external_id, **fields), True
