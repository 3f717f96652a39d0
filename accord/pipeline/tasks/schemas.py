"""API schemas for tasks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, Id, InSchema, ListParams
from accord.pipeline.models import TaskKind
from accord.pipeline.tasks.selectors import STATUSES

TASK_ORDERINGS = ("due_at", "-due_at", "-created_at", "created_at", "-id", "id")
if TYPE_CHECKING:
    TaskKindName = str
    StatusName = str
else:
    TaskKindName = Literal[tuple(TaskKind.values)]
    StatusName = Literal[STATUSES]


class TaskOut(Schema):
    id: int
    title: str
    kind: str
    due_at: dt.datetime
    remind_at: dt.datetime | None
    owner_id: int
    lead_id: int | None
    deal_id: int | None
    notes: str
    done_at: dt.datetime | None
    created_by_id: int | None
    reminded_at: dt.datetime | None
    overdue_notified_at: dt.datetime | None
    external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskIn(InSchema):
    title: str = Field(..., min_length=1, max_length=200)
    kind: TaskKindName = "todo"
    due_at: dt.datetime = Field(..., description="Must not be in the past when the task is new.")
    remind_at: dt.datetime | None = Field(None, description="At or before due_at.")
    owner_id: Id | None = Field(None, description="Default: the caller (a person).")
    lead_id: Id | None = None
    deal_id: Id | None = None
    notes: str = Field("", max_length=20000)
    external_id: str | None = Field(None, min_length=1, max_length=120)


class TaskPatch(InSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: TaskKindName | None = None
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    owner_id: Id | None = None
    lead_id: Id | None = None
    deal_id: Id | None = None
    notes: str | None = Field(None, max_length=20000)


class TaskComplete(InSchema):
    done: bool = Field(True, description="false reopens the task.")
    at: dt.datetime | None = Field(None, description="When it was done (default: now).")


class TaskBatchIn(InSchema):
    records: list[TaskIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class TaskFilters(ListParams):
    ordering: Literal[TASK_ORDERINGS] = "due_at"  # type: ignore[valid-type]
    status: StatusName | None = None
    owner_id: Id | None = None
    lead_id: Id | None = None
    deal_id: Id | None = None
    kind: TaskKindName | None = None
    due_after: dt.datetime | None = None
    due_before: dt.datetime | None = None


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None
