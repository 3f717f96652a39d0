"""Writes on the catalogue: products (with their append-only price history), price lists and
their entries, exchange rates.

A change of list price or unit cost appends a ``ProductPriceChange`` and emits
``ProductPriceChanged`` in the same transaction (the intel feed subscribes). A product used on
deals is never deleted: it is deactivated, so old deals keep their lines and margins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import ProductPriceChanged
from accord.core.hooks import emit
from accord.core.money import amount_clean, currency_clean
from accord.pipeline.models import (
    DealLineItem,
    ExchangeRate,
    PriceChangeSource,
    PriceList,
    PriceListEntry,
    Product,
    ProductPriceChange,
)
from accord.pipeline.products.inputs import PriceListChanges, ProductChanges

_SOURCES = frozenset(PriceChangeSource.values)


def _text(value: str | None, *, field: str, label: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{label} is required.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{label} is longer than {limit} characters.", field=field)
    return text


def _product_apply(product: Product, fields: ProductChanges) -> None:
    if "sku" in fields:
        product.sku = _text(fields["sku"], field="sku", label="The SKU", limit=64, required=True)
    if "name" in fields:
        product.name = _text(
            fields["name"], field="name", label="The name", limit=200, required=True
        )
    if "description" in fields:
        product.description = (fields["description"] or "").strip()
    for name in ("list_price", "unit_cost"):
        if name in fields:
            value = fields[name]  # type: ignore[literal-required]
            if value is None:
                raise InvalidInput(f"{name} cannot be empty.", field=name)
            setattr(product, name, amount_clean(value, field=name))
    if "currency" in fields:
        product.currency = currency_clean(fields["currency"])
    if "is_active" in fields:
        product.is_active = bool(fields["is_active"])
    if "external_id" in fields:
        product.external_id = (fields["external_id"] or "").strip() or None
    taken = Product.objects.exclude(pk=product.pk) if product.pk else Product.objects.all()
    if taken.filter(sku=product.sku).exists():
        raise InvalidInput(f"Another product already has SKU {product.sku!r}.", field="sku")
    if product.external_id and taken.filter(external_id=product.external_id).exists():
        raise InvalidInput(
            f"Another product already has external_id {product.external_id!r}.",
            field="external_id",
        )


def _source_clean(source: str) -> str:
    if source not in _SOURCES:
        raise InvalidInput(f"Unknown source {source!r}.", field="source")
    return source


@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    list_price: Any,
    currency: str,
    by: User | None,
    unit_cost: Any = 0,
    description: str = "",
    is_active: bool = True,
    external_id: str | None = None,
    source: str = PriceChangeSource.UI,
    effective_on: dt.date | None = None,
) -> Product:
    """Create a product; its first price-history row records the starting prices."""
    product = Product(list_price=0, unit_cost=0)
    _product_apply(
        product,
        ProductChanges(
            sku=sku,
            name=name,
            list_price=list_price,
            unit_cost=unit_cost,
            currency=currency,
            description=description,
            is_active=is_active,
            external_id=external_id,
        ),
    )
    product.save()
    ProductPriceChange.objects.create(
        product=product,
        effective_on=effective_on or timezone.localdate(),
        changed_by=by,
        currency=product.currency,
        new_list_price=product.list_price,
        new_unit_cost=product.unit_cost,
        source=_source_clean(source),
    )
    return product


@transaction.atomic
def product_update(
    *,
    product_id: int,
    changes: ProductChanges,
    by: User | None,
    source: str = PriceChangeSource.UI,
    effective_on: dt.date | None = None,
    note: str = "",
) -> Product:
    """Change a product; a new list price, unit cost or currency is a dated price change."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.", field="product_id")
    before = (product.list_price, product.unit_cost, product.currency)
    _product_apply(product, changes)
    product.save()
    if (product.list_price, product.unit_cost, product.currency) != before:
        change = ProductPriceChange.objects.create(
            product=product,
            effective_on=effective_on or timezone.localdate(),
            changed_by=by,
            currency=product.currency,
            old_list_price=before[0],
            new_list_price=product.list_price,
            old_unit_cost=before[1],
            new_unit_cost=product.unit_cost,
            source=_source_clean(source),
            note=note[:300],
        )
        emit(ProductPriceChanged(change=change))  # the intel feed (accord.wiring)
    return product


@transaction.atomic
def product_delete(*, product_id: int) -> None:
    """Delete a product nobody used; one on deals (or price lists) is refused: deactivate it."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.", field="product_id")
    used = DealLineItem.objects.filter(product=product).values("deal_id").distinct().count()
    if used:
        raise InvalidInput(
            f"{product.sku} is on {used} deal(s) and cannot be deleted: their line items and "
            "margins keep it. Deactivate it instead (is_active: false) so that no new line "
            "uses it.",
            field="product_id",
            code="product_in_use",
        )
    if product.promotions.exists():
        raise InvalidInput(
            f"{product.sku} is the scope of a promotion; change the promotion first, or "
            "deactivate the product.",
            field="product_id",
            code="product_in_use",
        )
    PriceListEntry.objects.filter(product=product).delete()
    product.delete()


# --- price lists ---------------------------------------------------------------------------


def _price_list_apply(price_list: PriceList, fields: PriceListChanges) -> None:
    if "name" in fields:
        price_list.name = _text(
            fields["name"], field="name", label="The name", limit=200, required=True
        )
        others = PriceList.objects.exclude(pk=price_list.pk) if price_list.pk else PriceList.objects
        if others.filter(name=price_list.name).exists():
            raise InvalidInput(f"A price list is already named {price_list.name!r}.", field="name")
    if "currency" in fields:
        currency = currency_clean(fields["currency"])
        if price_list.pk and currency != price_list.currency and price_list.entries.exists():
            raise InvalidInput(
                "The list has prices in its currency; make a new list for another currency.",
                field="currency",
            )
        price_list.currency = currency
    if "valid_from" in fields:
        price_list.valid_from = fields["valid_from"]
    if "valid_to" in fields:
        price_list.valid_to = fields["valid_to"]
    if "is_active" in fields:
        price_list.is_active = bool(fields["is_active"])
    if (
        price_list.valid_from
        and price_list.valid_to
        and price_list.valid_to < price_list.valid_from
    ):
        raise InvalidInput("valid_to is before valid_from.", field="valid_to")


@transaction.atomic
def price_list_create(
    *,
    name: str,
    currency: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    is_active: bool = True,
) -> PriceList:
    price_list = PriceList()
    _price_list_apply(
        price_list,
        PriceListChanges(
            name=name,
            currency=currency,
            valid_from=valid_from,
            valid_to=valid_to,
            is_active=is_active,
        ),
    )
    price_list.save()
    return price_list


@transaction.atomic
def price_list_update(*, price_list_id: int, changes: PriceListChanges) -> PriceList:
    price_list = PriceList.objects.select_for_update().filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(f"Price list {price_list_id} does not exist.", field="price_list_id")
    _price_list_apply(price_list, changes)
    price_list.save()
    return price_list


@transaction.atomic
def price_list_entry_set(*, price_list_id: int, product_id: int, price: Any) -> PriceListEntry:
    """Set (create or replace) a product's price on a list."""
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(f"Price list {price_list_id} does not exist.", field="price_list_id")
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise InvalidInput(f"Product {product_id} does not exist.", field="product_id")
    value = amount_clean(price, field="price")
    entry, _created = PriceListEntry.objects.update_or_create(
        price_list=price_list, product=product, defaults={"price": value}
    )
    return entry


@transaction.atomic
def price_list_entry_remove(*, price_list_id: int, product_id: int) -> None:
    removed, _ = PriceListEntry.objects.filter(
        price_list_id=price_list_id, product_id=product_id
    ).delete()
    if not removed:
        raise NotFound("That product has no price on this list.", field="product_id")


# --- exchange rates ------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(*, currency: str, date: dt.date, rate: Any) -> ExchangeRate:
    """Record (or correct) one currency's rate to the company currency on a date."""
    code = currency_clean(currency)
    try:
        value = Decimal(str(rate))
    except ArithmeticError:
        raise InvalidInput(f"{rate!r} is not a number.", field="rate") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput("A rate is a positive number.", field="rate")
    value = value.quantize(Decimal("0.00000001"))
    if len(value.as_tuple().digits) > 18:
        raise InvalidInput("The rate is too large.", field="rate")
    row, _created = ExchangeRate.objects.update_or_create(
        currency=code, date=date, defaults={"rate": value}
    )
    return row
