"""Reads of tasks and stale deals, shared by the API, the pages and the worker.

Visibility comes from ``accounts.policy.task_scope`` (a rep: their own tasks and those on the
leads and deals they own; a head: their teams' too)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accord.accounts.policy import TaskScope
from accord.pipeline.models import Activity, Deal, PipelineStage, StageOutcome, Task
from accord.pipeline.tasks.rules import stale_reasons

CLOSED_STAGES = ("won", "lost")
STATUSES = ("open", "overdue", "today", "upcoming", "done", "all")


def tasks_visible(*, scope: TaskScope) -> QuerySet[Task]:
    tasks = Task.objects.all()
    if scope.everything:
        return tasks
    reach = (
        Q(owner_id=scope.user_id)
        | Q(lead__owner_id=scope.user_id)
        | Q(deal__owner_id=scope.user_id)
    )
    if scope.team_ids:
        reach |= Q(owner__team_id__in=sorted(scope.team_ids))
    return tasks.filter(reach)


def day_end(now: datetime) -> datetime:
    """The end of ``now``'s day in the current time zone (the "today" bucket's bound)."""
    local = timezone.localtime(now)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def tasks_by_status(tasks: QuerySet[Task], status: str, *, now: datetime) -> QuerySet[Task]:
    """One bucket of the "my tasks" page: overdue, today, upcoming, open, done (or all)."""
    open_ = tasks.filter(done_at__isnull=True)
    if status == "overdue":
        return open_.filter(due_at__lt=now)
    if status == "today":
        return open_.filter(due_at__gte=now, due_at__lt=day_end(now))
    if status == "upcoming":
        return open_.filter(due_at__gte=day_end(now))
    if status == "open":
        return open_
    if status == "done":
        return tasks.filter(done_at__isnull=False).order_by("-done_at", "-pk")
    return tasks


def task_list(
    *,
    scope: TaskScope,
    status: str | None = None,
    owner_id: int | None = None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    kind: str | None = None,
    due_after: datetime | None = None,
    due_before: datetime | None = None,
    now: datetime | None = None,
) -> QuerySet[Task]:
    tasks = tasks_visible(scope=scope)
    if status:
        tasks = tasks_by_status(tasks, status, now=now or timezone.now())
    if owner_id is not None:
        tasks = tasks.filter(owner_id=owner_id)
    if lead_id is not None:
        tasks = tasks.filter(lead_id=lead_id)
    if deal_id is not None:
        tasks = tasks.filter(deal_id=deal_id)
    if kind:
        tasks = tasks.filter(kind=kind)
    if due_after:
        tasks = tasks.filter(due_at__gte=due_after)
    if due_before:
        tasks = tasks.filter(due_at__lt=due_before)
    return tasks


def overdue_per_owner(*, scope: TaskScope, now: datetime) -> list[dict[str, Any]]:
    """Open overdue tasks counted per owner (the head's team view), most first."""
    rows: Any = (
        tasks_visible(scope=scope)
        .filter(done_at__isnull=True, due_at__lt=now)
        .values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner__username")
    )
    return [dict(row) for row in rows]


# --- Stale deals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaleDeal:
    deal: Deal
    reasons: tuple[str, ...]
    days: int
    last_touch_at: datetime


@dataclass(frozen=True)
class StaleThreshold:
    """Deals in this pipeline's stage (None: any) go stale after ``days``."""

    pipeline_id: object
    stage: str | None
    days: int

    def where(self) -> Q:
        where = Q()
        if self.pipeline_id is not None:
            where &= Q(pipeline_id=self.pipeline_id)
        if self.stage is not None:
            where &= Q(stage=self.stage)
        return where

    def matches(self, deal: Deal) -> bool:
        return (self.pipeline_id is None or self.pipeline_id == deal.pipeline_id) and (
            self.stage is None or self.stage == deal.stage
        )


def stale_thresholds() -> list[StaleThreshold]:
    """The thresholds of the open stages that have one (``PipelineStage.stale_after_days``;
    a stage without one never makes its deals stale)."""
    stages = PipelineStage.objects.filter(
        outcome=StageOutcome.OPEN, stale_after_days__isnull=False
    ).values_list("pipeline_id", "key", "stale_after_days")
    return [
        StaleThreshold(pipeline_id=p, stage=key, days=days)
        for p, key, days in stages
        if days is not None
    ]


def _days_of(deal: Deal, thresholds: list[StaleThreshold]) -> int | None:
    return next((t.days for t in thresholds if t.matches(deal)), None)


def deals_stale_candidates(*, now: datetime) -> QuerySet[Deal]:
    """Open deals annotated with their last touch and whether a next step is scheduled,
    narrowed to those the rule may call stale (one query)."""
    thresholds = stale_thresholds()
    last_activity = Activity.objects.filter(deal_id=OuterRef("pk")).order_by("-at").values("at")[:1]
    next_step = Task.objects.filter(deal_id=OuterRef("pk"), done_at__isnull=True, due_at__gte=now)
    deals = (
        Deal.objects.exclude(stage__in=CLOSED_STAGES)
        .annotate(
            last_touch_at=Coalesce(
                Subquery(last_activity, output_field=DateTimeField()), "created_at"
            ),
            has_next_step=Exists(next_step),
        )
        .select_related("owner")
    )
    matches = Q(pk__in=[])
    for threshold in thresholds:
        cutoff = now - timedelta(days=threshold.days)
        matches |= threshold.where() & (Q(last_touch_at__lt=cutoff) | Q(has_next_step=False))
    return deals.filter(matches)


def deals_stale(
    *,
    now: datetime | None = None,
    owner_ids: Iterable[int] | None = None,
    team_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> list[StaleDeal]:
    """The stale open deals (of these owners, or of these teams' people), stalest first."""
    now = now or timezone.now()
    deals: Any = deals_stale_candidates(now=now).order_by(F("last_touch_at"), "pk")
    if owner_ids is not None:
        deals = deals.filter(owner_id__in=list(owner_ids))
    if team_ids is not None:
        deals = deals.filter(owner__team_id__in=list(team_ids))
    if limit is not None:
        deals = deals[:limit]
    thresholds = stale_thresholds()
    found = []
    for deal in deals:
        days = _days_of(deal, thresholds)
        reasons = stale_reasons(
            now=now,
            days=days,
            last_touch_at=deal.last_touch_at,  # type: ignore[attr-defined]
            has_next_step=deal.has_next_step,  # type: ignore[attr-defined]
        )
        if reasons and days is not None:
            found.append(StaleDeal(deal, reasons, days, deal.last_touch_at))  # type: ignore[attr-defined]
    return found
