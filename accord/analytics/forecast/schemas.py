"""Schemas of ``/api/v1/forecast``: the report's filters, submissions, adjustments, quotas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from accord.analytics.schemas import EARLIEST_DATE, LATEST_DATE, ReportFiltersIn
from accord.api.schemas import Id, InSchema, ListParams

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Period = Literal["month", "quarter"]
Day = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
SUBMISSION_ORDERINGS = ("-submitted_at", "submitted_at", "-id", "id")
QUOTA_ORDERINGS = ("period_start", "-period_start", "id", "-id")


class ForecastIn(ReportFiltersIn):
    by: Literal["owner", "team", "pipeline", "none"] = "owner"
    period: Period = "quarter"
    pipeline: str | None = Field(None, max_length=40, description="A pipeline key.")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Seed of the simulation.")
    simulations: int | None = Field(None, ge=100, le=100_000)


class SubmissionIn(InSchema):
    period_kind: Period
    period_start: Day
    commit: Money | None = Field(None, description="Default: won + the deals called commit.")
    best_case: Money | None = Field(None, description="Default: commit + best-case deals.")
    notes: str = Field("", max_length=2000)


class SubmissionDealOut(Schema):
    deal_id: int | None
    category: str
    stage: str
    amount: Decimal
    close_date: dt.date | None


class AdjustmentOut(Schema):
    id: int
    by_id: int | None
    at: dt.datetime
    commit: Decimal
    best_case: Decimal
    reason: str


class SubmissionOut(Schema):
    id: int
    user_id: int
    period_kind: str
    period_start: dt.date
    week_start: dt.date
    submitted_at: dt.datetime
    closed: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    stage_weighted: Decimal
    model_weighted: Decimal | None
    currency: str
    notes: str
    deals: list[SubmissionDealOut]
    adjustments: list[AdjustmentOut]

    @staticmethod
    def resolve_deals(obj) -> list:
        return list(obj.deals.all())

    @staticmethod
    def resolve_adjustments(obj) -> list:
        return list(obj.adjustments.all())


class SubmissionFilters(ListParams):
    ordering: Literal[SUBMISSION_ORDERINGS] = "-submitted_at"  # type: ignore[valid-type]
    user_id: Id | None = None
    period_kind: Period | None = None
    period_start: Day | None = None


class SubmissionPage(Schema):
    items: list[SubmissionOut]
    next_cursor: str | None


class AdjustmentIn(InSchema):
    commit: Money
    best_case: Money
    reason: str = Field(..., min_length=1, max_length=2000)


class QuotaIn(InSchema):
    user_id: Id
    period_kind: Period
    period_start: Day
    amount: Money
    currency: str = Field("USD", min_length=3, max_length=3)


class QuotaOut(Schema):
    id: int
    user_id: int
    period_kind: str
    period_start: dt.date
    amount: Decimal
    currency: str
    set_by_id: int | None
    updated_at: dt.datetime


class QuotaFilters(ListParams):
    ordering: Literal[QUOTA_ORDERINGS] = "period_start"  # type: ignore[valid-type]
    user_id: Id | None = None
    period_kind: Period | None = None


class QuotaPage(Schema):
    items: list[QuotaOut]
    next_cursor: str | None
