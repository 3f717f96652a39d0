"""API schemas for campaigns, spend and touchpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, Count, Id, InSchema, ListParams
from accord.tracking.models import Campaign, SpendEntry, TouchType

CAMPAIGN_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "-id", "id")
SPEND_ORDERINGS = ("-date", "date", "-id", "id")
TOUCH_ORDERINGS = ("-at", "at", "-id", "id")
# Sent as a number or a decimal string, at most 14 digits before the point and 2 after;
# answered as a string.
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]


def Currency() -> Any:
    return Field(None, min_length=3, max_length=3, description="ISO 4217, e.g. USD.")


# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    TouchTypeName = str
else:
    TouchTypeName = Literal[tuple(TouchType.values)]


class CampaignOut(Schema):
    id: int
    name: str
    utm_campaign: str
    channel_id: int | None
    owner_id: int | None
    budget: str | None
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_budget(obj: Campaign) -> str | None:
        return None if obj.budget is None else str(obj.budget)


class CampaignIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    utm_campaign: str = Field(..., min_length=1, max_length=200)
    channel_id: Id | None = None
    owner_id: Id | None = None
    budget: Money | None = None
    currency: str = Field("USD", min_length=3, max_length=3)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class CampaignPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    utm_campaign: str | None = Field(None, min_length=1, max_length=200)
    channel_id: Id | None = None
    owner_id: Id | None = None
    budget: Money | None = None
    currency: str | None = Currency()
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class CampaignFilters(ListParams):
    ordering: Literal[CAMPAIGN_ORDERINGS] = "-created_at"  # type: ignore[valid-type]
    channel: str | None = Field(None, max_length=60, description="A channel slug.")
    utm_campaign: str | None = Field(None, max_length=200)


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class SpendOut(Schema):
    id: int
    date: dt.date
    channel_id: int
    campaign_id: int | None
    cost: str
    currency: str
    impressions: int
    reach: int
    clicks: int
    visits: int

    @staticmethod
    def resolve_cost(obj: SpendEntry) -> str:
        return str(obj.cost)


class SpendIn(InSchema):
    date: dt.date
    channel_id: Id
    campaign_id: Id | None = None
    cost: Money = Decimal(0)
    currency: str = Field("USD", min_length=3, max_length=3)
    impressions: Count = 0
    reach: Count = 0
    clicks: Count = 0
    visits: Count = 0


class SpendPatch(InSchema):
    cost: Money | None = None
    currency: str | None = Currency()
    impressions: Count | None = None
    reach: Count | None = None
    clicks: Count | None = None
    visits: Count | None = None


class SpendBatchIn(InSchema):
    records: list[SpendIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class SpendFilters(ListParams):
    ordering: Literal[SPEND_ORDERINGS] = "-date"  # type: ignore[valid-type]
    channel: str | None = Field(None, max_length=60, description="A channel slug.")
    campaign_id: Id | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class SpendPage(Schema):
    items: list[SpendOut]
    next_cursor: str | None


class TouchpointOut(Schema):
    id: int
    at: dt.datetime
    type: str
    visitor_id: str
    contact_id: int | None
    lead_id: int | None
    channel_id: int | None
    campaign_id: int | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str
    utm_term: str
    url: str
    referrer: str


class TouchpointIn(InSchema):
    type: TouchTypeName
    at: dt.datetime | None = None
    contact_id: Id | None = None
    lead_id: Id | None = None
    visitor_id: str = Field("", max_length=64)
    channel_id: Id | None = Field(None, description="Resolved from UTM and referrer if absent.")
    url: str = Field("", max_length=2000)
    referrer: str = Field("", max_length=2000)
    utm_source: str = Field("", max_length=200)
    utm_medium: str = Field("", max_length=200)
    utm_campaign: str = Field("", max_length=200)
    utm_content: str = Field("", max_length=200)
    utm_term: str = Field("", max_length=200)


class TouchpointBatchIn(InSchema):
    records: list[TouchpointIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class TouchpointFilters(ListParams):
    ordering: Literal[TOUCH_ORDERINGS] = "-at"  # type: ignore[valid-type]
    lead_id: Id | None = None
    contact_id: Id | None = None
    channel: str | None = Field(None, max_length=60, description="A channel slug.")
    type: TouchTypeName | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class TouchpointPage(Schema):
    items: list[TouchpointOut]
    next_cursor: str | None
