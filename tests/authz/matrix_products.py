"""The authorization matrix's products, price lists, promotions, line items and discount
approvals (one of each; line items and approvals on the rep's deal and on another rep's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def products_world(users: dict[str, Any], own_deal: Any, other_deal: Any) -> dict[str, dict]:
    from accord.pipeline.models import (
        DealLineItem,
        DealPromotion,
        DiscountApproval,
        PriceList,
        PriceListEntry,
        Product,
        Promotion,
    )

    product = Product.objects.create(
        sku="MATRIX-1", name="Matrix", list_price=Decimal(100), unit_cost=Decimal(40)
    )
    price_list = PriceList.objects.create(name="Matrix list", currency="USD")
    PriceListEntry.objects.create(price_list=price_list, product=product, price=Decimal(90))
    promotion = Promotion.objects.create(
        name="Matrix promo",
        code="MATRIX",
        starts_on="2026-01-01",
        discount_kind="percent",
        discount_value=Decimal(5),
    )

    def line(deal: Any) -> Any:
        DealPromotion.objects.create(deal=deal, promotion=promotion, source="explicit")
        return DealLineItem.objects.create(
            deal=deal,
            product=product,
            quantity=1,
            currency="USD",
            list_price=100,
            unit_cost=40,
            gross_amount=100,
            net_amount=100,
            cost_amount=40,
        )

    own_line, other_line = line(own_deal), line(other_deal)

    def approval(deal: Any, item: Any) -> Any:
        return DiscountApproval.objects.create(
            deal=deal,
            line_item=item,
            requested_by=deal.owner,
            requested_percent=Decimal(15),
            required_level="manager",
        )

    return {
        "product_id": {"own": product.pk},
        "price_list_id": {"own": price_list.pk},
        "promotion_id": {"own": promotion.pk},
        "line_item_id": {"own": own_line.pk, "other": other_line.pk},
        "approval_id": {
            "own": approval(own_deal, own_line).pk,
            "other": approval(other_deal, other_line).pk,
        },
    }
