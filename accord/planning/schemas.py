"""API schemas of joint plans."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import InSchema, ListParams
from accord.planning.models import PeriodKind, PlanStatus

PLAN_ORDERINGS = ("-id", "id")
if TYPE_CHECKING:
    PlanStatusName = str
    PeriodName = str
else:
    PlanStatusName = Literal[tuple(PlanStatus.values)]
    PeriodName = Literal[tuple(PeriodKind.values)]


class ScenarioOut(Schema):
    id: int
    name: str
    budgets: dict[str, float]
    note: str


class PlanOut(Schema):
    id: int
    name: str
    period_kind: str
    start_month: str
    currency: str
    window_start: dt.date
    window_end: dt.date
    status: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    marketing_approved_by_id: int | None
    marketing_approved_at: dt.datetime | None
    sales_approved_by_id: int | None
    sales_approved_at: dt.datetime | None
    approved_at: dt.datetime | None


class StageNeedOut(Schema):
    stage: str
    total: float
    by_month: dict[str, float]


class PlanDetail(PlanOut):
    content: dict[str, Any]
    scenarios: list[ScenarioOut]
    reverse_funnel: list[StageNeedOut] = Field(
        description="What each stage needs, by the month it must happen in (fractional)."
    )


class PlanPage(Schema):
    items: list[PlanOut]
    next_cursor: str | None


class PlanFilters(ListParams):
    ordering: Literal[PLAN_ORDERINGS] = "-id"  # type: ignore[valid-type]
    status: PlanStatusName | None = None


class PlanIn(InSchema):
    name: str = Field(..., min_length=1, max_length=120)
    period_kind: PeriodName = "quarter"
    start_month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-10"])
    window_start: dt.date
    window_end: dt.date
    revenue_target: float = Field(..., description="The period's revenue target (> 0).")
    content: dict[str, Any] | None = Field(
        None, description="Assumptions; left out, those measured over the window."
    )


class PlanPatch(InSchema):
    name: str | None = Field(None, max_length=120)
    content: dict[str, Any] = Field(
        default_factory=dict,
        description='Only the assumptions given change (e.g. {"rates": {"mql_sal": 0.6}}).',
    )
