"""What the product, line item and promotion services take, typed (a missing key: not sent;
``None``: sent as null — as ``accord.pipeline.inputs``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict


class ProductChanges(TypedDict, total=False):
    sku: str | None
    name: str | None
    description: str | None
    list_price: Decimal | None
    unit_cost: Decimal | None
    currency: str | None
    is_active: bool | None
    external_id: str | None


class PriceListChanges(TypedDict, total=False):
    name: str | None
    currency: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    is_active: bool | None


class LineChanges(TypedDict, total=False):
    product_id: int | None
    quantity: Decimal | None
    list_price: Decimal | None
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    price_list_id: int | None
    promotion_id: int | None
    #: Why the discount (kept on the approval request when one is needed).
    reason: str | None


class PromotionChanges(TypedDict, total=False):
    name: str | None
    code: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    discount_kind: str | None
    discount_value: Decimal | None
    product_id: int | None
    segment_size: str | None
    segment_industry: str | None
    campaign_id: int | None
    currency: str | None
    fixed_cost: Decimal | None
    cost_per_deal: Decimal | None
    is_active: bool | None
