"""API schemas for products, price lists, price changes, exchange rates, line items,
promotions and discount approvals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from ninja import Field, Schema

from accord.api.schemas import Id, InSchema, ListParams
from accord.pipeline.models import ApprovalStatus, DiscountKind, SizeBand

# Amounts: sent as a number or a decimal string (at most 14 digits before the point, 2
# after), answered as strings.
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Rate = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
if TYPE_CHECKING:
    DiscountKindName = str
    SizeBandName = str
    ApprovalStatusName = str
else:
    DiscountKindName = Literal[tuple(DiscountKind.values)]
    SizeBandName = Literal[tuple(SizeBand.values)]
    ApprovalStatusName = Literal[tuple(ApprovalStatus.values)]

PRODUCT_ORDERINGS = ("name", "-name", "sku", "-sku", "-id", "id", "-updated_at", "updated_at")
CHANGE_ORDERINGS = ("-changed_at", "changed_at", "-id", "id")
PRICE_LIST_ORDERINGS = ("name", "-name", "-id", "id")
RATE_ORDERINGS = ("-date", "date", "-id", "id")
LINE_ORDERINGS = ("position", "-position", "id", "-id")
PROMOTION_ORDERINGS = ("-starts_on", "starts_on", "name", "-name", "-id", "id")
APPROVAL_ORDERINGS = ("-requested_at", "requested_at", "-id", "id")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- products ------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    list_price: str
    unit_cost: str
    currency: str
    is_active: bool
    external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_list_price(obj) -> str:
        return str(obj.list_price)

    @staticmethod
    def resolve_unit_cost(obj) -> str:
        return str(obj.unit_cost)


class ProductIn(InSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    list_price: Money
    unit_cost: Money = Decimal(0)
    currency: Currency = "USD"
    is_active: bool = True
    external_id: str | None = Field(None, min_length=1, max_length=120)
    effective_on: dt.date | None = Field(None, description="When the prices apply (today).")


class ProductPatch(InSchema):
    sku: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    list_price: Money | None = None
    unit_cost: Money | None = None
    currency: Currency | None = None
    is_active: bool | None = None
    external_id: str | None = Field(None, min_length=1, max_length=120)
    effective_on: dt.date | None = Field(
        None, description="When a price change applies (today when not given)."
    )
    note: str = Field("", max_length=300, description="Why the price changed.")


class ProductFilters(ListParams):
    ordering: Literal[PRODUCT_ORDERINGS] = "name"  # type: ignore[valid-type]
    active: bool | None = None
    search: str = Field("", max_length=100)
    currency: Currency | None = None


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class PriceChangeOut(Schema):
    id: int
    product_id: int
    sku: str
    changed_at: dt.datetime
    effective_on: dt.date
    changed_by_id: int | None
    currency: str
    old_list_price: str | None
    new_list_price: str
    old_unit_cost: str | None
    new_unit_cost: str
    source: str
    note: str

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_old_list_price(obj) -> str | None:
        return _text(obj.old_list_price)

    @staticmethod
    def resolve_new_list_price(obj) -> str:
        return str(obj.new_list_price)

    @staticmethod
    def resolve_old_unit_cost(obj) -> str | None:
        return _text(obj.old_unit_cost)

    @staticmethod
    def resolve_new_unit_cost(obj) -> str:
        return str(obj.new_unit_cost)


class PriceChangeFilters(ListParams):
    ordering: Literal[CHANGE_ORDERINGS] = "-changed_at"  # type: ignore[valid-type]
    product_id: Id | None = None
    since: dt.datetime | None = None


class PriceChangePage(Schema):
    items: list[PriceChangeOut]
    next_cursor: str | None


# --- price lists ---------------------------------------------------------------------------


class PriceEntryOut(Schema):
    product_id: int
    price: str

    @staticmethod
    def resolve_price(obj) -> str:
        return str(obj.price)


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    is_active: bool
    entries: list[PriceEntryOut]

    @staticmethod
    def resolve_entries(obj) -> list:
        return list(obj.entries.all())


class PriceListIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    currency: Currency = "USD"
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    is_active: bool = True


class PriceListPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    currency: Currency | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    is_active: bool | None = None


class PriceEntryIn(InSchema):
    product_id: Id
    price: Money


class PriceListFilters(ListParams):
    ordering: Literal[PRICE_LIST_ORDERINGS] = "name"  # type: ignore[valid-type]
    active: bool | None = None


class PriceListPage(Schema):
    items: list[PriceListOut]
    next_cursor: str | None


# --- exchange rates ------------------------------------------------------------------------


class ExchangeRateOut(Schema):
    id: int
    currency: str
    date: dt.date
    rate: str

    @staticmethod
    def resolve_rate(obj) -> str:
        return str(obj.rate)


class ExchangeRateIn(InSchema):
    currency: Currency
    date: dt.date
    rate: Rate = Field(..., description="Units of the company currency per unit of currency.")


class ExchangeRateFilters(ListParams):
    ordering: Literal[RATE_ORDERINGS] = "-date"  # type: ignore[valid-type]
    currency: Currency | None = None


class ExchangeRatePage(Schema):
    items: list[ExchangeRateOut]
    next_cursor: str | None
