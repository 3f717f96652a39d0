"""API schemas for deals and activities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, MAX_INT, Id, InSchema, ListParams
from accord.pipeline.models import ActivityKind, ActivityOutcome, Deal, ForecastCategory
from accord.pipeline.selectors import seconds_between

DEAL_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "-id", "id")
ACTIVITY_ORDERINGS = ("-at", "at", "-id", "id")
HISTORY_ORDERINGS = ("at", "-at", "id", "-id")
# Sent as a number or a decimal string, at most 14 digits before the point and 2 after;
# answered as a string.
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    KindName = str
    OutcomeName = str
    CategoryName = str
else:
    KindName = Literal[tuple(ActivityKind.values)]
    OutcomeName = Literal[tuple(ActivityOutcome.values)]
    CategoryName = Literal[tuple(["", *ForecastCategory.values])]
# Stages and lost reasons are rows admins edit, so any key is sent and the service checks it
# against the deal's pipeline (the error names the field and lists the valid keys).
StageKey = Annotated[
    str, Field(min_length=1, max_length=40, description="A stage key of the pipeline")
]
ReasonKey = Annotated[
    str, Field(max_length=30, description="A lost reason key (`/pipelines/lost-reasons`)")
]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]


class DealOut(Schema):
    id: int
    name: str
    lead_id: int | None
    account_id: int | None
    pipeline: str
    pipeline_id: int
    stage: str
    stage_entered_at: dt.datetime
    amount: str
    currency: str
    discount_amount: str
    is_promotion: bool
    promotion_code: str
    expected_close: dt.date | None
    closed_at: dt.datetime | None
    won_reason: str
    lost_reason: str
    competitor: str
    forecast_category: str
    handoff_grade: str = Field(
        description="The lead's fit grade when it was handed to sales; set when the deal's "
        "lead is set, kept through later re-scores ('' when not known)."
    )
    version: int
    owner_id: int | None
    external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_pipeline(obj: Deal) -> str:
        return obj.pipeline.key

    @staticmethod
    def resolve_amount(obj: Deal) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_discount_amount(obj: Deal) -> str:
        return str(obj.discount_amount)


class DealIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    amount: Money
    currency: str = Field("USD", min_length=3, max_length=3)
    discount_amount: Money = Decimal(0)
    lead_id: Id | None = None
    account_id: Id | None = None
    owner_id: Id | None = None
    pipeline: str | None = Field(
        None, min_length=1, max_length=40, description="Pipeline key (else the default)."
    )
    pipeline_id: Id | None = None
    stage: StageKey | None = Field(None, description="Else the pipeline's first open stage.")
    is_promotion: bool = False
    promotion_code: str = Field("", max_length=60)
    expected_close: dt.date | None = None
    closed_at: dt.datetime | None = Field(None, description="When closing; defaults to now.")
    close_date: dt.date | None = Field(None, description="A won deal's close date.")
    won_reason: str = Field("", max_length=200)
    lost_reason: ReasonKey = ""
    competitor: str = Field("", max_length=200)
    forecast_category: CategoryName = ""
    external_id: str | None = Field(None, min_length=1, max_length=120)


class DealPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    amount: Money | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    discount_amount: Money | None = None
    lead_id: Id | None = None
    account_id: Id | None = None
    owner_id: Id | None = None
    pipeline: str | None = Field(None, min_length=1, max_length=40)
    pipeline_id: Id | None = None
    stage: StageKey | None = None
    is_promotion: bool | None = None
    promotion_code: str | None = Field(None, max_length=60)
    expected_close: dt.date | None = None
    closed_at: dt.datetime | None = None
    close_date: dt.date | None = None
    won_reason: str | None = Field(None, max_length=200)
    lost_reason: ReasonKey | None = None
    competitor: str | None = Field(None, max_length=200)
    forecast_category: CategoryName | None = None
    external_id: str | None = Field(None, min_length=1, max_length=120)
    expected_version: Version | None = Field(
        None, description="The version you saw: a newer one answers 409 with the current state."
    )


class DealMoveIn(InSchema):
    stage: StageKey
    expected_version: Version = Field(
        ..., description="The version you saw: a newer one answers 409 with the current state."
    )
    pipeline_id: Id | None = Field(None, description="To move the deal to another pipeline.")
    closed_at: dt.datetime | None = Field(None, description="When closing; defaults to now.")
    close_date: dt.date | None = Field(None, description="Won: the close date.")
    lost_reason: ReasonKey | None = Field(None, description="Lost: why (required).")
    competitor: str | None = Field(None, max_length=200)


class DealStageChangeOut(Schema):
    id: int
    deal_id: int
    pipeline_id: int
    from_stage: str
    to_stage: str
    at: dt.datetime
    left_at: dt.datetime | None = Field(
        None, description="When the deal left the stage (null: it is still there)."
    )
    seconds_in_stage: int = Field(..., description="Until left_at, or until now.")
    by_id: int | None
    amount: str
    source: str

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_seconds_in_stage(obj: Any) -> int:
        return seconds_between(obj.at, obj.left_at)


class DealStageChangePage(Schema):
    items: list[DealStageChangeOut]
    next_cursor: str | None


class DealAmountChangeOut(Schema):
    id: int
    deal_id: int
    old_amount: str
    new_amount: str
    at: dt.datetime
    by_id: int | None
    source: str

    @staticmethod
    def resolve_old_amount(obj: Any) -> str:
        return str(obj.old_amount)

    @staticmethod
    def resolve_new_amount(obj: Any) -> str:
        return str(obj.new_amount)


class DealAmountChangePage(Schema):
    items: list[DealAmountChangeOut]
    next_cursor: str | None


class HistoryParams(ListParams):
    ordering: Literal[HISTORY_ORDERINGS] = "at"  # type: ignore[valid-type]


class DealBatchIn(InSchema):
    records: list[DealIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class DealFilters(ListParams):
    ordering: Literal[DEAL_ORDERINGS] = "-created_at"  # type: ignore[valid-type]
    stage: StageKey | None = None
    owner_id: Id | None = None
    lead_id: Id | None = None
    account_id: Id | None = None
    pipeline: str | None = Field(None, max_length=40)
    closed_after: dt.datetime | None = None
    expected_close_before: dt.date | None = None


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class ActivityOut(Schema):
    id: int
    lead_id: int | None
    deal_id: int | None
    user_id: int | None
    kind: str
    outcome: str
    at: dt.datetime
    duration_seconds: int
    notes: str


class ActivityIn(InSchema):
    kind: KindName
    lead_id: Id | None = None
    deal_id: Id | None = None
    outcome: OutcomeName = ""
    at: dt.datetime | None = None
    duration_seconds: int = Field(0, ge=0, le=MAX_INT)
    notes: str = Field("", max_length=20000)


class ActivityPatch(InSchema):
    kind: KindName | None = None
    outcome: OutcomeName | None = None
    at: dt.datetime | None = None
    duration_seconds: int | None = Field(None, ge=0, le=MAX_INT)
    notes: str | None = Field(None, max_length=20000)


class ActivityFilters(ListParams):
    ordering: Literal[ACTIVITY_ORDERINGS] = "-at"  # type: ignore[valid-type]
    lead_id: Id | None = None
    deal_id: Id | None = None
    user_id: Id | None = None
    kind: KindName | None = None
    since: dt.datetime | None = None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
