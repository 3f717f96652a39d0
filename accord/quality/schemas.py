"""ninja schemas of /api/v1/reviews and /api/v1/audits."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from accord.api.schemas import InSchema, ListParams

REVIEW_ORDERINGS = ("-created_at", "created_at", "-id", "id")
AUDIT_ORDERINGS = ("-at", "at", "-id", "id")
from accord.api.schemas import Id  # noqa: E402  bounded 1..MAX_ID (a larger filter would overflow the database)


class AgreementOut(Schema):
    leads: int
    pairs: int
    kappa: float | None
    trust: Literal["trusted", "untrusted", "too_few"]


class ReviewOut(Schema):
    id: int
    name: str
    period_start: dt.date
    period_end: dt.date
    per_channel: int
    overlap_pct: int
    due_date: dt.date
    seed: int
    status: Literal["open", "closed"]
    created_at: dt.datetime


class ChannelResultOut(Schema):
    channel_id: int | None
    name: str
    items: int
    rated_items: int
    average: float | None
    agreement: AgreementOut | None
    reasons: dict[str, int]


class ReviewItemOut(Schema):
    id: int
    lead_id: int
    channel_id: int | None
    raters: list[int]


class ReviewDetailOut(ReviewOut):
    items: int
    asked: int
    rated: int
    overdue: bool
    finished: bool
    agreement: AgreementOut
    channels: list[ChannelResultOut]
    sample: list[ReviewItemOut]


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class ReviewFilters(ListParams):
    ordering: Literal[REVIEW_ORDERINGS] = "-created_at"  # type: ignore[valid-type]
    status: Literal["open", "closed"] | None = None


class ReviewIn(InSchema):
    name: str = Field(..., max_length=160)
    period_start: dt.date
    period_end: dt.date
    per_channel: int = Field(..., ge=1, le=200)
    rater_ids: list[Id] = Field(..., min_length=1, max_length=100)
    due_date: dt.date
    channel_ids: list[Id] = Field(default_factory=list, max_length=100)
    overlap_pct: int = Field(20, ge=0, le=100)
    seed: int | None = Field(None, ge=0)


class RatingIn(InSchema):
    item_id: Id
    rating: int = Field(..., ge=1, le=5)
    reason: str = Field(..., max_length=60)
    comment: str = Field("", max_length=500)


class RatingOut(Schema):
    item_id: int
    lead_id: int
    rating: int
    reason: str
    rated_at: dt.datetime


class LeadsAddIn(InSchema):
    lead_ids: list[Id] = Field(..., min_length=1, max_length=500)


class LeadsAddOut(Schema):
    added: int


class AuditResultOut(Schema):
    item_id: int
    label: str
    weight: int
    outcome: Literal["pass", "fail", "na"]


class AuditOut(Schema):
    id: int
    template_id: int
    lead_id: int | None
    rep_id: int
    auditor_id: int | None
    at: dt.datetime
    score: float
    notes: str
    counts_in_sla: bool


class AuditDetailOut(AuditOut):
    results: list[AuditResultOut]


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


class AuditFilters(ListParams):
    ordering: Literal[AUDIT_ORDERINGS] = "-at"  # type: ignore[valid-type]
    rep_id: Id | None = None
    template_id: Id | None = None


class AuditIn(InSchema):
    template_id: Id
    rep_id: Id
    results: dict[str, Literal["pass", "fail", "na"]] = Field(
        ..., description="Checklist item id → pass, fail or na (not applicable)."
    )
    lead_id: Id | None = None
    notes: str = Field("", max_length=4000)
    counts_in_sla: bool = False
    coaching: str = Field("", max_length=500)
    coaching_owner_id: Id | None = None
    coaching_due: dt.date | None = None
