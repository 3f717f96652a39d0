"""Writes on a deal's line items, and the deal figures that follow from them.

Each write locks the deal row, validates the line (one currency per deal, one price list per
deal, an applicable promotion, the pure maths of ``rules.line_figures``), saves it with its
price and cost snapshots, then sets the deal's ``amount`` (sum of net lines) and
``discount_amount`` (sum of line discounts), re-syncs the promotions it used and records the
discount approval the line needs — all in one transaction, so a refusal writes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.pipeline.models import (
    ChangeSource,
    Deal,
    DealAmountChange,
    DealLineItem,
    DiscountKind,
    PriceList,
    PriceListEntry,
    Product,
    Promotion,
)
from accord.pipeline.products import rules
from accord.pipeline.products.inputs import LineChanges
from accord.pipeline.products.services.approvals import line_approval_sync
from accord.pipeline.products.services.promotions import (
    deal_promotions_sync,
    promotion_applicable_check,
)

_QUANTITY_LIMIT = Decimal("9999999999.99")


def _decimal(value: Any, *, field: str, places: str = "0.01") -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{value!r} is not a number.", field=field) from None
    if not number.is_finite():
        raise InvalidInput(f"{value!r} is not a finite number.", field=field)
    if number < 0:
        raise InvalidInput(f"{field} cannot be negative (got {number}).", field=field)
    try:
        return number.quantize(Decimal(places))
    except InvalidOperation:
        raise InvalidInput(f"{number} is too large.", field=field) from None


def _deal_locked(deal_id: int) -> Deal:
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    return deal


def _price_list_for(
    deal: Deal, price_list_id: int | None, *, exclude: int | None
) -> PriceList | None:
    if price_list_id is None:
        return None
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise InvalidInput(f"Price list {price_list_id} does not exist.", field="price_list_id")
    today = timezone.localdate()
    if (
        not price_list.is_active
        or (price_list.valid_from and today < price_list.valid_from)
        or (price_list.valid_to and today > price_list.valid_to)
    ):
        raise InvalidInput(
            f"The price list {price_list.name} is not valid today.", field="price_list_id"
        )
    others = DealLineItem.objects.filter(deal=deal, price_list__isnull=False).exclude(
        price_list_id=price_list.pk
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise InvalidInput(
            "This deal's other lines use another price list; a deal uses one price list.",
            field="price_list_id",
        )
    return price_list


def _line_fill(line: DealLineItem, deal: Deal, fields: LineChanges) -> None:
    """Resolve product, price list, promotion and the prices onto ``line`` (not saved).

    Length: the order matters (product, then its price source, then the promotion's rule,
    then the currency check) and reads best as one sequence.
    """
    product_changed = "product_id" in fields
    if product_changed:
        product = Product.objects.filter(pk=fields["product_id"] or 0).first()
        if product is None:
            raise InvalidInput(
                f"Product {fields['product_id']} does not exist.", field="product_id"
            )
        if not product.is_active:
            raise InvalidInput(
                f"{product.sku} is inactive; choose an active product.", field="product_id"
            )
        line.product = product
        line.unit_cost = product.unit_cost  # the cost snapshot at the time of the line
    if "quantity" in fields:
        if fields["quantity"] is None:
            raise InvalidInput("A line needs a quantity.", field="quantity")
        quantity = Decimal(str(fields["quantity"]))
        if not quantity.is_finite() or quantity <= 0:
            raise InvalidInput(
                f"The quantity must be more than 0 (got {quantity}).", field="quantity"
            )
        if quantity > _QUANTITY_LIMIT:
            raise InvalidInput("The quantity is too large.", field="quantity")
        line.quantity = _decimal(quantity, field="quantity")
    if "price_list_id" in fields:
        line.price_list = _price_list_for(deal, fields["price_list_id"], exclude=line.pk)
    product = line.product
    if product_changed or "price_list_id" in fields or "list_price" in fields:
        if fields.get("list_price") is not None:
            line.list_price = _decimal(fields["list_price"], field="list_price")
        elif line.price_list is not None:
            entry = PriceListEntry.objects.filter(
                price_list=line.price_list, product=product
            ).first()
            if entry is None:
                raise InvalidInput(
                    f"{product.sku} has no price on the list {line.price_list.name}.",
                    field="price_list_id",
                )
            line.list_price = entry.price
        else:
            line.list_price = product.list_price
        line.currency = line.price_list.currency if line.price_list else product.currency
    if line.currency != deal.currency:
        raise InvalidInput(
            f"The line is in {line.currency} and the deal in {deal.currency}; a deal has one "
            "currency (use a price list in the deal's currency, or change the deal's).",
            field="currency",
        )
    if "promotion_id" in fields:
        promotion_id = fields["promotion_id"]
        promotion = Promotion.objects.filter(pk=promotion_id).first() if promotion_id else None
        if promotion_id and promotion is None:
            raise InvalidInput(f"Promotion {promotion_id} does not exist.", field="promotion_id")
        if promotion is not None:
            promotion_applicable_check(
                promotion, deal=deal, product=product, on=timezone.localdate()
            )
            _promotion_rule_fill(line, promotion, fields)
        line.promotion = promotion
    if "discount_percent" in fields:
        value = fields["discount_percent"]
        line.discount_percent = _decimal(0 if value is None else value, field="discount_percent")
    if "discount_amount" in fields:
        value = fields["discount_amount"]
        line.discount_amount = _decimal(0 if value is None else value, field="discount_amount")


def _promotion_rule_fill(line: DealLineItem, promotion: Promotion, fields: LineChanges) -> None:
    """The promotion's discount, unless the write states the discount itself."""
    if "discount_percent" in fields or "discount_amount" in fields:
        return
    if promotion.discount_kind == DiscountKind.PERCENT:
        line.discount_percent, line.discount_amount = promotion.discount_value, Decimal(0)
    else:
        if promotion.currency != line.currency:
            raise InvalidInput(
                f"The promotion's amount is in {promotion.currency}, the line in {line.currency}.",
                field="currency",
            )
        line.discount_percent, line.discount_amount = Decimal(0), promotion.discount_value


def _figures_store(line: DealLineItem) -> rules.LineFigures:
    figures = rules.line_figures(
        quantity=line.quantity,
        list_price=line.list_price,
        unit_cost=line.unit_cost,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )
    line.gross_amount, line.net_amount, line.cost_amount = figures.gross, figures.net, figures.cost
    return figures


def deal_totals_sync(deal: Deal, *, by: User | None = None, source: str = ChangeSource.UI) -> None:
    """The deal's amount and discount follow its lines (a deal without lines keeps the
    amount entered by hand); a new amount is appended to the deal's amount history."""
    totals = DealLineItem.objects.filter(deal=deal).aggregate(
        net=Sum("net_amount"), gross=Sum("gross_amount")
    )
    if totals["net"] is None:
        return
    if totals["gross"] > rules.MONEY_LIMIT:
        raise InvalidInput(
            "The deal's lines add up to more than an amount can be.", field="quantity"
        )
    if totals["net"] != deal.amount:
        DealAmountChange.objects.create(
            deal=deal, old_amount=deal.amount, new_amount=totals["net"], by=by, source=source
        )
    deal.amount = totals["net"]
    deal.discount_amount = totals["gross"] - totals["net"]
    deal.save(update_fields=["amount", "discount_amount", "updated_at"])


def deal_amount_by_hand_check(*, deal_id: int, amount: Decimal) -> None:
    """For the deal service: a deal with line items takes its amount from them, so a hand
    edit of a different amount is refused (naming ``amount``), nothing written."""
    net = DealLineItem.objects.filter(deal_id=deal_id).aggregate(net=Sum("net_amount"))["net"]
    if net is not None and net != amount:
        raise InvalidInput(
            f"This deal's amount is the sum of its line items ({net}); change the lines.",
            field="amount",
        )


def _after_write(
    deal: Deal, line: DealLineItem | None, *, by: User | None, reason: str, source: str
) -> None:
    deal_totals_sync(deal, by=by, source=source)
    deal_promotions_sync(deal)
    if line is not None:
        line_approval_sync(
            line=line,
            by=by,
            percent=rules.line_figures(
                quantity=line.quantity,
                list_price=line.list_price,
                unit_cost=line.unit_cost,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
            ).discount_percent,
            reason=reason,
        )


@transaction.atomic
def line_item_add(
    *,
    deal_id: int,
    product_id: int,
    quantity: Any,
    by: User | None,
    source: str = ChangeSource.UI,
    **fields: Any,
) -> DealLineItem:
    """Add a product to a deal (``fields``: the rest of ``LineChanges``)."""
    deal = _deal_locked(deal_id)
    changes = LineChanges(product_id=product_id, quantity=quantity, **fields)  # type: ignore[typeddict-item]
    changes.setdefault("price_list_id", None)
    line = DealLineItem(deal=deal, discount_percent=Decimal(0), discount_amount=Decimal(0))
    _line_fill(line, deal, changes)
    _figures_store(line)
    last = DealLineItem.objects.filter(deal=deal).aggregate(top=Max("position"))["top"]
    line.position = 0 if last is None else last + 1
    line.save()
    _after_write(deal, line, by=by, reason=changes.get("reason") or "", source=source)
    return line


@transaction.atomic
def line_item_update(
    *,
    deal_id: int,
    line_item_id: int,
    changes: LineChanges,
    by: User | None,
    source: str = ChangeSource.UI,
) -> DealLineItem:
    deal = _deal_locked(deal_id)
    line = DealLineItem.objects.filter(pk=line_item_id, deal=deal).select_related("product").first()
    if line is None:
        raise NotFound(f"Line item {line_item_id} is not on deal {deal_id}.", field="line_item_id")
    _line_fill(line, deal, changes)
    _figures_store(line)
    line.save()
    _after_write(deal, line, by=by, reason=changes.get("reason") or "", source=source)
    return line


@transaction.atomic
def line_item_remove(
    *, deal_id: int, line_item_id: int, by: User | None, source: str = ChangeSource.UI
) -> None:
    deal = _deal_locked(deal_id)
    line = DealLineItem.objects.filter(pk=line_item_id, deal=deal).first()
    if line is None:
        raise NotFound(f"Line item {line_item_id} is not on deal {deal_id}.", field="line_item_id")
    line_approval_sync(line=line, by=by, percent=Decimal(0), reason="")  # withdraw a request
    line.delete()
    _after_write(deal, None, by=by, reason="", source=source)
