"""API schemas for line items, promotions and discount approvals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from accord.api.schemas import Id, InSchema, ListParams
from accord.pipeline.products.schemas import (
    APPROVAL_ORDERINGS,
    LINE_ORDERINGS,
    PROMOTION_ORDERINGS,
    ApprovalStatusName,
    Currency,
    DiscountKindName,
    Money,
    Percent,
    Quantity,
    SizeBandName,
)


class LineItemOut(Schema):
    id: int
    deal_id: int
    product_id: int
    sku: str
    product_name: str
    position: int
    quantity: str
    currency: str
    list_price: str
    discount_percent: str
    discount_amount: str
    unit_cost: str
    gross_amount: str
    net_amount: str
    cost_amount: str
    margin: str
    price_list_id: int | None
    promotion_id: int | None

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_margin(obj) -> str:
        return str(obj.net_amount - obj.cost_amount)

    @staticmethod
    def resolve_quantity(obj) -> str:
        return str(obj.quantity)

    @staticmethod
    def resolve_list_price(obj) -> str:
        return str(obj.list_price)

    @staticmethod
    def resolve_discount_percent(obj) -> str:
        return str(obj.discount_percent)

    @staticmethod
    def resolve_discount_amount(obj) -> str:
        return str(obj.discount_amount)

    @staticmethod
    def resolve_unit_cost(obj) -> str:
        return str(obj.unit_cost)

    @staticmethod
    def resolve_gross_amount(obj) -> str:
        return str(obj.gross_amount)

    @staticmethod
    def resolve_net_amount(obj) -> str:
        return str(obj.net_amount)

    @staticmethod
    def resolve_cost_amount(obj) -> str:
        return str(obj.cost_amount)


class LineItemIn(InSchema):
    product_id: Id
    quantity: Quantity
    list_price: Money | None = Field(
        None, description="The unit price; the price list's or the product's when not given."
    )
    discount_percent: Percent | None = None
    discount_amount: Money | None = Field(None, description="An amount off the whole line.")
    price_list_id: Id | None = None
    promotion_id: Id | None = None
    reason: str = Field("", max_length=500, description="Why the discount (for its approval).")


class LineItemPatch(InSchema):
    product_id: Id | None = None
    quantity: Quantity | None = None
    list_price: Money | None = None
    discount_percent: Percent | None = None
    discount_amount: Money | None = None
    price_list_id: Id | None = None
    promotion_id: Id | None = None
    reason: str | None = Field(None, max_length=500)


class LineItemFilters(ListParams):
    ordering: Literal[LINE_ORDERINGS] = "position"  # type: ignore[valid-type]


class LineItemPage(Schema):
    items: list[LineItemOut]
    next_cursor: str | None


class DealFiguresOut(Schema):
    deal_id: int
    currency: str
    lines: int
    gross: str
    discount: str
    net: str
    cost: str
    margin: str
    margin_percent: str | None
    discount_percent: str


# --- promotions ----------------------------------------------------------------------------


class PromotionOut(Schema):
    id: int
    name: str
    code: str
    starts_on: dt.date
    ends_on: dt.date | None
    discount_kind: str
    discount_value: str
    product_id: int | None
    segment_size: str
    segment_industry: str
    campaign_id: int | None
    currency: str
    fixed_cost: str
    cost_per_deal: str
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_discount_value(obj) -> str:
        return str(obj.discount_value)

    @staticmethod
    def resolve_fixed_cost(obj) -> str:
        return str(obj.fixed_cost)

    @staticmethod
    def resolve_cost_per_deal(obj) -> str:
        return str(obj.cost_per_deal)


class PromotionIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    code: str = Field(..., min_length=1, max_length=60)
    starts_on: dt.date
    ends_on: dt.date | None = None
    discount_kind: DiscountKindName
    discount_value: Money
    product_id: Id | None = None
    segment_size: SizeBandName = ""
    segment_industry: str = Field("", max_length=120)
    campaign_id: Id | None = None
    currency: Currency = "USD"
    fixed_cost: Money = Decimal(0)
    cost_per_deal: Money = Decimal(0)
    is_active: bool = True


class PromotionPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    code: str | None = Field(None, min_length=1, max_length=60)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    discount_kind: DiscountKindName | None = None
    discount_value: Money | None = None
    product_id: Id | None = None
    segment_size: SizeBandName | None = None
    segment_industry: str | None = Field(None, max_length=120)
    campaign_id: Id | None = None
    currency: Currency | None = None
    fixed_cost: Money | None = None
    cost_per_deal: Money | None = None
    is_active: bool | None = None


class PromotionFilters(ListParams):
    ordering: Literal[PROMOTION_ORDERINGS] = "-starts_on"  # type: ignore[valid-type]
    active: bool | None = None
    on: dt.date | None = Field(None, description="Promotions running on this date.")


class PromotionPage(Schema):
    items: list[PromotionOut]
    next_cursor: str | None


class DealPromotionOut(Schema):
    deal_id: int
    promotion_id: int
    code: str
    source: str
    linked_at: dt.datetime

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.promotion.code


class DealPromotionIn(InSchema):
    promotion_id: Id


# --- discount approvals --------------------------------------------------------------------


class ApprovalOut(Schema):
    id: int
    deal_id: int
    line_item_id: int | None
    requested_by_id: int | None
    requested_at: dt.datetime
    requested_percent: str
    required_level: str
    reason: str
    status: str
    approved_percent: str | None
    approver_id: int | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_requested_percent(obj) -> str:
        return str(obj.requested_percent)

    @staticmethod
    def resolve_approved_percent(obj) -> str | None:
        return None if obj.approved_percent is None else str(obj.approved_percent)


class ApprovalIn(InSchema):
    deal_id: Id
    requested_percent: Percent
    line_item_id: Id | None = None
    reason: str = Field("", max_length=500)


class ApprovalDecisionIn(InSchema):
    approve: bool
    approved_percent: Percent | None = Field(
        None, description="When approving less than requested; the request's depth otherwise."
    )
    note: str = Field("", max_length=500)


class ApprovalFilters(ListParams):
    ordering: Literal[APPROVAL_ORDERINGS] = "-requested_at"  # type: ignore[valid-type]
    status: ApprovalStatusName | None = None
    deal_id: Id | None = None


class ApprovalPage(Schema):
    items: list[ApprovalOut]
    next_cursor: str | None


class BandOut(Schema):
    max_percent: str
    approver: str


class BandsOut(Schema):
    bands: list[BandOut]


class BandIn(InSchema):
    max_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
    approver: Literal["rep", "manager", "admin"]


class BandsIn(InSchema):
    bands: list[BandIn] = Field(..., min_length=1, max_length=20)
