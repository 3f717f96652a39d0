"""REST endpoints for tasks (``/api/v1/tasks``): permission-checked fetch, one service call,
a response. Who reaches which task is ``accounts.policy.task_scope`` (a rep: their own and
those on their leads and deals; a head: their teams'); a task may name only a lead or deal
the caller sees, and an owner the caller may give tasks to (``task_owner_check``)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.batch import batch_results, upserted
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_named, row_or_404
from accord.api.paging import page_of
from accord.api.schemas import BatchOut
from accord.contacts.selectors import leads_visible
from accord.core.errors import InvalidInput, NotFound
from accord.pipeline.models import Task
from accord.pipeline.selectors import deals_visible
from accord.pipeline.tasks import selectors, services
from accord.pipeline.tasks.inputs import TaskChanges
from accord.pipeline.tasks.schemas import (
    TASK_ORDERINGS,
    TaskBatchIn,
    TaskComplete,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
)

router = Router(tags=["tasks"])


def _task_get(principal: Principal, task_id: int) -> Task:
    visible = selectors.tasks_visible(scope=policy.task_scope(principal))
    return row_or_404(visible, task_id, label="Task", field="task_id")


def _links_check(principal: Principal, fields: dict[str, Any]) -> None:
    """A task names only a lead or deal the caller sees, and an owner they may give it to."""
    if fields.get("lead_id") is not None:
        lead = leads_visible(user=policy.rep_scope(principal)).filter(pk=fields["lead_id"])
        policy.links_check(principal, lead=lead.first(), lead_id=fields["lead_id"])
    if fields.get("deal_id") is not None:
        deals = deals_visible(user=policy.rep_scope(principal, "deals"))
        row_named(deals, fields["deal_id"], label="Deal", field="deal_id")
    if "owner_id" in fields:
        policy.task_owner_check(principal, fields["owner_id"])


def _owner_default(principal: Principal, fields: dict[str, Any]) -> None:
    if fields.get("owner_id") is None:
        actor = principal.actor
        if actor is None:
            raise InvalidInput("Name the task's owner (owner_id).", field="owner_id")
        fields["owner_id"] = actor.pk


@router.get("", response={200: TaskPage, **COMMON_ERRORS})
def task_list(request: HttpRequest, filters: Query[TaskFilters]):
    principal = access_require(request, "tasks", "read")
    tasks = selectors.task_list(
        scope=policy.task_scope(principal),
        status=filters.status,
        owner_id=filters.owner_id,
        lead_id=filters.lead_id,
        deal_id=filters.deal_id,
        kind=filters.kind,
        due_after=filters.due_after,
        due_before=filters.due_before,
    )
    return page_of(tasks.order_by(), filters, allowed=TASK_ORDERINGS)


@router.post("", response={201: TaskOut, **POST_ERRORS})
def task_create(request: HttpRequest, payload: TaskIn):
    """Schedule a task; a due time in the past is refused (422 naming ``due_at``)."""
    principal = access_require(request, "tasks", "write")
    fields = payload.dict()
    _owner_default(principal, fields)
    _links_check(principal, fields)
    return Status(201, services.task_create(created_by=principal.actor, **fields))


@router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def task_batch(request: HttpRequest, payload: TaskBatchIn):
    """Create or update (by external_id) up to 100 tasks; one result per record."""
    principal = access_require(request, "tasks", "write")
    visible = selectors.tasks_visible(scope=policy.task_scope(principal))

    def write(record: TaskIn) -> tuple[str, int]:
        fields = record.dict()
        if record.external_id:
            known = Task.objects.filter(external_id=record.external_id)
            if known.exists() and not visible.filter(external_id=record.external_id).exists():
                raise NotFound(
                    "A task with this external_id exists and is not yours to change.",
                    field="external_id",
                )
        _owner_default(principal, fields)
        _links_check(principal, fields)
        return upserted(services.task_upsert(created_by=principal.actor, **fields))

    return batch_results(payload.records, write)


@router.get("/{task_id}", response={200: TaskOut, **COMMON_ERRORS})
def task_get(request: HttpRequest, task_id: int = IdPath):
    principal = access_require(request, "tasks", "read")
    return _task_get(principal, task_id)


@router.patch("/{task_id}", response={200: TaskOut, **COMMON_ERRORS})
def task_patch(request: HttpRequest, payload: TaskPatch, task_id: int = IdPath):
    principal = access_require(request, "tasks", "write")
    _task_get(principal, task_id)
    changes = cast(TaskChanges, payload.dict(exclude_unset=True))
    _links_check(principal, dict(changes))
    return services.task_update(task_id=task_id, changes=changes)


@router.post("/{task_id}/complete", response={200: TaskOut, **POST_ERRORS})
def task_complete(request: HttpRequest, payload: TaskComplete, task_id: int = IdPath):
    """Mark a task done (``{"done": false}`` reopens it)."""
    principal = access_require(request, "tasks", "write")
    _task_get(principal, task_id)
    if not payload.done:
        return services.task_reopen(task_id=task_id)
    return services.task_complete(task_id=task_id, at=payload.at)


@router.delete("/{task_id}", response={204: None, **COMMON_ERRORS})
def task_delete(request: HttpRequest, task_id: int = IdPath):
    principal = access_require(request, "tasks", "write")
    _task_get(principal, task_id)
    services.task_delete(task_id=task_id)
    return Status(204, None)
