"""API schemas for deals and activities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, MAX_INT, Id, InSchema, ListParams
from accord.pipeline.models import ActivityKind, ActivityOutcome, Deal, DealStage, LostReason

DEAL_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "-id", "id")
ACTIVITY_ORDERINGS = ("-at", "at", "-id", "id")
# Sent as a number or a decimal string, at most 14 digits before the point and 2 after;
# answered as a string.
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    DealStageName = str
    LostReasonName = str
    KindName = str
    OutcomeName = str
else:
    DealStageName = Literal[tuple(DealStage.values)]
    LostReasonName = Literal[tuple(["", *LostReason.values])]
    KindName = Literal[tuple(ActivityKind.values)]
    OutcomeName = Literal[tuple(ActivityOutcome.values)]


class DealOut(Schema):
    id: int
    name: str
    lead_id: int | None
    account_id: int | None
    pipeline: str
    stage: str
    amount: str
    currency: str
    discount_amount: str
    is_promotion: bool
    promotion_code: str
    expected_close: dt.date | None
    closed_at: dt.datetime | None
    won_reason: str
    lost_reason: str
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
    pipeline: str | None = Field(None, min_length=1, max_length=40, description="Pipeline key")
    stage: DealStageName = DealStage.QUALIFICATION.value
    is_promotion: bool = False
    promotion_code: str = Field("", max_length=60)
    expected_close: dt.date | None = None
    closed_at: dt.datetime | None = Field(None, description="When closing; defaults to now.")
    won_reason: str = Field("", max_length=200)
    lost_reason: LostReasonName = ""
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
    stage: DealStageName | None = None
    is_promotion: bool | None = None
    promotion_code: str | None = Field(None, max_length=60)
    expected_close: dt.date | None = None
    closed_at: dt.datetime | None = None
    won_reason: str | None = Field(None, max_length=200)
    lost_reason: LostReasonName | None = None
    external_id: str | None = Field(None, min_length=1, max_length=120)


class DealBatchIn(InSchema):
    records: list[DealIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class DealFilters(ListParams):
    ordering: Literal[DEAL_ORDERINGS] = "-created_at"  # type: ignore[valid-type]
    stage: DealStageName | None = None
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
