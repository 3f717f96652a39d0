"""REST endpoints for the catalogue: products (and their price history), price lists and
exchange rates. Everyone signed in reads them; heads and administrators write them (the
``products`` resource: ``accord.accounts.policy``)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.api.auth import access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.pipeline.models import PriceChangeSource, PriceList, Product
from accord.pipeline.products import selectors, services
from accord.pipeline.products.inputs import PriceListChanges, ProductChanges
from accord.pipeline.products.schemas import (
    CHANGE_ORDERINGS,
    PRICE_LIST_ORDERINGS,
    PRODUCT_ORDERINGS,
    RATE_ORDERINGS,
    ExchangeRateFilters,
    ExchangeRateIn,
    ExchangeRateOut,
    ExchangeRatePage,
    PriceChangeFilters,
    PriceChangePage,
    PriceEntryIn,
    PriceEntryOut,
    PriceListFilters,
    PriceListIn,
    PriceListOut,
    PriceListPage,
    PriceListPatch,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
)

products_router = Router(tags=["products"])
price_changes_router = Router(tags=["products"])
price_lists_router = Router(tags=["products"])
rates_router = Router(tags=["products"])


@products_router.get("", response={200: ProductPage, **COMMON_ERRORS})
def product_list(request: HttpRequest, filters: Query[ProductFilters]):
    access_require(request, "products", "read")
    products = selectors.product_list(
        active=filters.active, search=filters.search, currency=filters.currency
    )
    return page_of(products, filters, allowed=PRODUCT_ORDERINGS)


@products_router.post("", response={201: ProductOut, **POST_ERRORS})
def product_create(request: HttpRequest, payload: ProductIn):
    principal = access_require(request, "products", "write")
    fields = payload.dict()
    product = services.product_create(by=principal.actor, source=PriceChangeSource.API, **fields)
    return Status(201, product)


@products_router.get("/{product_id}", response={200: ProductOut, **COMMON_ERRORS})
def product_get(request: HttpRequest, product_id: int = IdPath):
    access_require(request, "products", "read")
    return row_or_404(Product, product_id, label="Product", field="product_id")


@products_router.patch("/{product_id}", response={200: ProductOut, **COMMON_ERRORS})
def product_patch(request: HttpRequest, payload: ProductPatch, product_id: int = IdPath):
    """Change a product; a new list price or unit cost is a dated price change."""
    principal = access_require(request, "products", "write")
    row_or_404(Product, product_id, label="Product", field="product_id")
    changes = payload.dict(exclude_unset=True)
    effective_on = changes.pop("effective_on", None)
    note = changes.pop("note", "") or ""
    return services.product_update(
        product_id=product_id,
        changes=cast(ProductChanges, changes),
        by=principal.actor,
        source=PriceChangeSource.API,
        effective_on=effective_on,
        note=note,
    )


@products_router.delete("/{product_id}", response={204: None, **COMMON_ERRORS})
def product_delete(request: HttpRequest, product_id: int = IdPath):
    """Delete a product no deal used (else 422 ``product_in_use``: deactivate it)."""
    access_require(request, "products", "write")
    row_or_404(Product, product_id, label="Product", field="product_id")
    services.product_delete(product_id=product_id)
    return Status(204, None)


@products_router.get(
    "/{product_id}/price-changes", response={200: PriceChangePage, **COMMON_ERRORS}
)
def product_price_changes(
    request: HttpRequest, filters: Query[PriceChangeFilters], product_id: int = IdPath
):
    access_require(request, "products", "read")
    row_or_404(Product, product_id, label="Product", field="product_id")
    changes = selectors.price_changes(product_id=product_id, since=filters.since)
    return page_of(changes, filters, allowed=CHANGE_ORDERINGS)


@price_changes_router.get("", response={200: PriceChangePage, **COMMON_ERRORS})
def price_change_list(request: HttpRequest, filters: Query[PriceChangeFilters]):
    """Every product's price history (append-only), newest first."""
    access_require(request, "products", "read")
    changes = selectors.price_changes(product_id=filters.product_id, since=filters.since)
    return page_of(changes, filters, allowed=CHANGE_ORDERINGS)


# --- price lists ---------------------------------------------------------------------------


@price_lists_router.get("", response={200: PriceListPage, **COMMON_ERRORS})
def price_list_list(request: HttpRequest, filters: Query[PriceListFilters]):
    access_require(request, "products", "read")
    lists = selectors.price_list_list(active=filters.active)
    return page_of(lists, filters, allowed=PRICE_LIST_ORDERINGS)


@price_lists_router.post("", response={201: PriceListOut, **POST_ERRORS})
def price_list_create(request: HttpRequest, payload: PriceListIn):
    access_require(request, "products", "write")
    return Status(201, services.price_list_create(**payload.dict()))


@price_lists_router.get("/{price_list_id}", response={200: PriceListOut, **COMMON_ERRORS})
def price_list_get(request: HttpRequest, price_list_id: int = IdPath):
    access_require(request, "products", "read")
    return row_or_404(PriceList, price_list_id, label="Price list", field="price_list_id")


@price_lists_router.patch("/{price_list_id}", response={200: PriceListOut, **COMMON_ERRORS})
def price_list_patch(request: HttpRequest, payload: PriceListPatch, price_list_id: int = IdPath):
    access_require(request, "products", "write")
    row_or_404(PriceList, price_list_id, label="Price list", field="price_list_id")
    changes = cast(PriceListChanges, payload.dict(exclude_unset=True))
    return services.price_list_update(price_list_id=price_list_id, changes=changes)


@price_lists_router.post("/{price_list_id}/entries", response={200: PriceEntryOut, **POST_ERRORS})
def price_list_entry_set(request: HttpRequest, payload: PriceEntryIn, price_list_id: int = IdPath):
    """Set a product's price on the list (replacing the one it had)."""
    access_require(request, "products", "write")
    row_or_404(PriceList, price_list_id, label="Price list", field="price_list_id")
    return services.price_list_entry_set(
        price_list_id=price_list_id, product_id=payload.product_id, price=payload.price
    )


@price_lists_router.delete(
    "/{price_list_id}/entries/{product_id}", response={204: None, **COMMON_ERRORS}
)
def price_list_entry_remove(
    request: HttpRequest, price_list_id: int = IdPath, product_id: int = IdPath
):
    access_require(request, "products", "write")
    row_or_404(PriceList, price_list_id, label="Price list", field="price_list_id")
    services.price_list_entry_remove(price_list_id=price_list_id, product_id=product_id)
    return Status(204, None)


# --- exchange rates ------------------------------------------------------------------------


@rates_router.get("", response={200: ExchangeRatePage, **COMMON_ERRORS})
def exchange_rate_list(request: HttpRequest, filters: Query[ExchangeRateFilters]):
    """Dated rates to the company currency (``ACCORD_COMPANY_CURRENCY``)."""
    access_require(request, "products", "read")
    rates = selectors.exchange_rate_list(currency=filters.currency)
    return page_of(rates, filters, allowed=RATE_ORDERINGS)


@rates_router.post("", response={200: ExchangeRateOut, **POST_ERRORS})
def exchange_rate_set(request: HttpRequest, payload: ExchangeRateIn):
    """Record (or correct) a currency's rate on a date."""
    access_require(request, "products", "write")
    return services.exchange_rate_set(
        currency=payload.currency, date=payload.date, rate=payload.rate
    )
