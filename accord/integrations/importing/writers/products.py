"""Products: matched by external id, then SKU (case-insensitive); the file's prices replace
stored ones, and every change of list price, unit cost or currency is appended to the
product's price history and emitted (``ProductPriceChanged``), as the product service does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone

from accord.core.events import ProductPriceChanged
from accord.core.hooks import emit
from accord.core.money import DEFAULT_CURRENCY
from accord.integrations.importing.validate import Record, RowError
from accord.integrations.importing.writers.plan import WritePlan, column
from accord.pipeline.models import PriceChangeSource, Product, ProductPriceChange

_VALUES = ("sku", "name", "description", "list_price", "unit_cost", "currency", "is_active")
_PRICES = ("list_price", "unit_cost", "currency")


def _values(record: Record) -> dict[str, Any]:
    values = {name: record.get(name) for name in _VALUES if record.get(name) is not None}
    if "is_active" in values:
        values["is_active"] = values["is_active"] == "true"
    if "sku" not in values and record.get("external_id"):
        values["sku"] = str(record["external_id"])[:64]
    return values


def _history_row(product: Product, record: Record, before: tuple | None, now: datetime) -> Any:
    return ProductPriceChange(
        product=product,
        changed_at=now,
        effective_on=record.get("effective_on") or timezone.localdate(now),
        currency=product.currency,
        old_list_price=before[0] if before else None,
        new_list_price=product.list_price,
        old_unit_cost=before[1] if before else None,
        new_unit_cost=product.unit_cost,
        source=PriceChangeSource.IMPORT,
        note="import",
    )


def products_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str] | None = None, **_: Any
) -> WritePlan:
    plan = WritePlan()
    columns = columns or {}
    by_ext = {
        p.external_id: p
        for p in Product.objects.filter(
            external_id__in=[r["external_id"] for r in records if r.get("external_id")]
        )
    }
    skus = {str(r["sku"]).lower() for r in records if r.get("sku")}
    by_sku = {
        p.sku_lower: p
        for p in Product.objects.annotate(sku_lower=Lower("sku")).filter(sku_lower__in=skus)
    }
    new: list[Product] = []
    changed: list[tuple[Product, Record, tuple]] = []
    created_rows: list[tuple[Product, Record]] = []
    for record in records:
        values = _values(record)
        product = by_ext.get(record.get("external_id")) or by_sku.get(
            str(values.get("sku", "")).lower()
        )
        if product is None:
            values.setdefault("currency", DEFAULT_CURRENCY)
            product = Product(external_id=record.get("external_id"), created_at=now, **values)
            new.append(product)
            created_rows.append((product, record))
            plan.created += 1
            continue
        owner = by_sku.get(str(values.get("sku", product.sku)).lower())
        if owner is not None and owner.pk != product.pk:
            plan.errors.append(
                RowError(
                    record["_row"],
                    column(columns, "sku"),
                    f"SKU {values['sku']!r} belongs to another product; a SKU is unique.",
                )
            )
            continue
        before = (product.list_price, product.unit_cost, product.currency)
        dirty = [name for name, value in values.items() if getattr(product, name) != value]
        for name in dirty:
            setattr(product, name, values[name])
        if not dirty:
            plan.unchanged += 1
            continue
        plan.updated += 1
        changed.append((product, record, before))

    def apply() -> None:
        Product.objects.bulk_create(new)
        for product, _record, _before in changed:
            product.save()
        history = [_history_row(p, r, None, now) for p, r in created_rows]
        ProductPriceChange.objects.bulk_create(history)
        for product, record, before in changed:
            if (product.list_price, product.unit_cost, product.currency) == before:
                continue
            change = _history_row(product, record, before, now)
            change.save()
            emit(ProductPriceChanged(change=change))  # the intel feed (accord.wiring)

    plan.apply = apply
    return plan
